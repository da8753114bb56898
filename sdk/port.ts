/** Port: the protocol-and-port half of a security group rule, as a small immutable value. */
import type { SecurityGroupRuleInputs } from "../provider/domain/schemaTypes";
import { SecgroupsError } from "../provider/errors";

/** The protocol-and-port fields a Port contributes to a SecurityGroupRule's inputs (ports absent: all ports / all ICMP types and codes). */
export interface PortRule extends Pick<SecurityGroupRuleInputs, "portRangeMin" | "portRangeMax"> {
  /** Protocol name: `tcp`, `udp`, `icmp`, `ipv6-icmp` or `any` (a Port always names one). */
  protocol: string;
}

/** Which values a port argument may take; used only to build error messages. */
interface IntRange {
  min: number;
  max: number;
  what: string;
}

const PORT_RANGE: IntRange = { min: 1, max: 65535, what: "a port" };
const ICMP_RANGE: IntRange = { min: 0, max: 255, what: "an ICMP type or code" };

/**
 * Throws SG_INVALID_INPUT unless `value` is an integer in `range`.
 * Only catches obvious programming errors; the provider's check does the full validation.
 */
function requireInt(factory: string, argument: string, value: number, range: IntRange): void {
  if (!Number.isInteger(value) || value < range.min || value > range.max) {
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: `${factory} argument ${argument}`,
      subject: true,
      problem: `got ${String(value)}`,
      allowed: `${range.what}, an integer from ${range.min} to ${range.max}`,
    });
  }
}

/** Throws SG_INVALID_INPUT unless `from <= to`, suggesting the swapped call. */
function requireOrdered(factory: string, from: number, to: number): void {
  if (from > to) {
    throw new SecgroupsError("SG_INVALID_INPUT", {
      property: `${factory} argument fromPort`,
      subject: true,
      problem: `got ${from}, greater than toPort ${to}`,
      allowed: "fromPort <= toPort",
      fix: `${factory}(${to}, ${from})`,
    });
  }
}

/** A protocol and port range (or ICMP type and code) for a rule; create one with the static factories. */
export class Port {
  /** Any protocol, all ports. */
  public static allTraffic(): Port {
    return new Port("any", undefined, undefined, "all traffic");
  }

  /** One TCP port. */
  public static tcp(port: number): Port {
    requireInt("Port.tcp", "port", port, PORT_RANGE);
    return new Port("tcp", port, port, `tcp ${port}`);
  }

  /** A TCP port range, both ends inclusive. */
  public static tcpRange(fromPort: number, toPort: number): Port {
    return Port.range("tcp", "Port.tcpRange", fromPort, toPort);
  }

  /** Every TCP port (1-65535). */
  public static allTcp(): Port {
    return Port.range("tcp", "Port.allTcp", PORT_RANGE.min, PORT_RANGE.max);
  }

  /** One UDP port. */
  public static udp(port: number): Port {
    requireInt("Port.udp", "port", port, PORT_RANGE);
    return new Port("udp", port, port, `udp ${port}`);
  }

  /** A UDP port range, both ends inclusive. */
  public static udpRange(fromPort: number, toPort: number): Port {
    return Port.range("udp", "Port.udpRange", fromPort, toPort);
  }

  /** Every UDP port (1-65535). */
  public static allUdp(): Port {
    return Port.range("udp", "Port.allUdp", PORT_RANGE.min, PORT_RANGE.max);
  }

  /** ICMP, optionally limited to one type and, within it, one code; a code needs a type. */
  public static icmp(type?: number, code?: number): Port {
    if (type === undefined) {
      if (code !== undefined) {
        throw new SecgroupsError("SG_INVALID_INPUT", {
          property: "Port.icmp argument code",
          subject: true,
          problem: `got ${String(code)} without a type`,
          allowed: "a code only together with a type (an ICMP code is meaningful only within a type)",
          fix: `pass the type too, e.g. Port.icmp(8, ${String(code)})`,
        });
      }
      return new Port("icmp", undefined, undefined, "icmp");
    }
    requireInt("Port.icmp", "type", type, ICMP_RANGE);
    if (code === undefined) {
      return new Port("icmp", type, undefined, `icmp type ${type}`);
    }
    requireInt("Port.icmp", "code", code, ICMP_RANGE);
    return new Port("icmp", type, code, `icmp type ${type} code ${code}`);
  }

  /** SSH: tcp 22. */
  public static readonly SSH: Port = Port.tcp(22);
  /** HTTP: tcp 80. */
  public static readonly HTTP: Port = Port.tcp(80);
  /** HTTPS: tcp 443. */
  public static readonly HTTPS: Port = Port.tcp(443);
  /** RDP: tcp 3389. */
  public static readonly RDP: Port = Port.tcp(3389);
  /** DNS: udp 53 (the dashboard's "DNS" entry). */
  public static readonly DNS: Port = Port.udp(53);
  /** DNS over TCP: tcp 53 (zone transfers, large answers). */
  public static readonly DNS_TCP: Port = Port.tcp(53);
  /** SMTP: tcp 25. */
  public static readonly SMTP: Port = Port.tcp(25);
  /** SMTPS: tcp 465. */
  public static readonly SMTPS: Port = Port.tcp(465);
  /** IMAP: tcp 143. */
  public static readonly IMAP: Port = Port.tcp(143);
  /** IMAPS: tcp 993. */
  public static readonly IMAPS: Port = Port.tcp(993);
  /** POP3: tcp 110. */
  public static readonly POP3: Port = Port.tcp(110);
  /** POP3S: tcp 995. */
  public static readonly POP3S: Port = Port.tcp(995);
  /** LDAP: tcp 389. */
  public static readonly LDAP: Port = Port.tcp(389);
  /** Microsoft SQL Server: tcp 1433. */
  public static readonly MS_SQL: Port = Port.tcp(1433);
  /** MySQL: tcp 3306. */
  public static readonly MYSQL: Port = Port.tcp(3306);
  /** Ping: icmp type 8 code 0 (IPv4 echo request). */
  public static readonly PING: Port = Port.icmp(8, 0);
  /** Ping over IPv6: ipv6-icmp type 128 code 0 (ICMPv6 echo request; profiles with ipv6-icmp). */
  public static readonly PING6: Port = new Port("ipv6-icmp", 128, 0, "ipv6-icmp type 128 code 0");

  /** Validated range factory shared by tcpRange/udpRange/allTcp/allUdp. */
  private static range(protocol: "tcp" | "udp", factory: string, fromPort: number, toPort: number): Port {
    requireInt(factory, "fromPort", fromPort, PORT_RANGE);
    requireInt(factory, "toPort", toPort, PORT_RANGE);
    requireOrdered(factory, fromPort, toPort);
    const label = fromPort === toPort ? `${protocol} ${fromPort}` : `${protocol} ${fromPort}-${toPort}`;
    return new Port(protocol, fromPort, toPort, label);
  }

  private constructor(
    private readonly protocol: string,
    private readonly portRangeMin: number | undefined,
    private readonly portRangeMax: number | undefined,
    private readonly label: string,
  ) {
    Object.freeze(this);
  }

  /** The rule fields for this port; a fresh object each call, without keys for absent values. */
  public render(): PortRule {
    const rule: PortRule = { protocol: this.protocol };
    if (this.portRangeMin !== undefined) rule.portRangeMin = this.portRangeMin;
    if (this.portRangeMax !== undefined) rule.portRangeMax = this.portRangeMax;
    return rule;
  }

  /** Human-readable form, e.g. `tcp 22`, `tcp 8000-8080`, `icmp type 8 code 0`, `all traffic`. */
  public toString(): string {
    return this.label;
  }
}
