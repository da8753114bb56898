import * as pulumi from "@pulumi/pulumi";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Peer, Port, SecurityGroup, SecurityGroupRule, type PeerRule, type PortRule } from "../../sdk";
import { withCallerStack } from "../../sdk/stacks";

/** One resource registration the mock monitor saw. */
interface Registration {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registrations: Registration[] = [];

beforeAll(async () => {
  // Mocks only stand in for the engine to test the SDK's wiring; no provider code runs here.
  await pulumi.runtime.setMocks(
    {
      newResource: (args: pulumi.runtime.MockResourceArgs) => {
        registrations.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: args.name + "_id", state: args.inputs as Record<string, unknown> };
      },
      call: (args: pulumi.runtime.MockCallArgs) => args.inputs as Record<string, unknown>,
    },
    "sdk-helpers",
    "test",
    false,
  );
});

beforeEach(() => {
  registrations.length = 0;
});

/** The value an Output settles on. */
function resolve<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((done) => {
    output.apply((value) => {
      done(value);
      return value;
    });
  });
}

/** The message `fn` throws, or a failed assertion if it does not throw an Error. */
function errorMessage(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    return (e as Error).message;
  }
  expect.unreachable("expected an Error to be thrown");
}

/** The inputs the mock monitor received for `name`, without the serialized provider. */
function registeredInputs(name: string): { type: string; inputs: Record<string, unknown> } {
  const matches = registrations.filter((r) => r.name === name);
  expect(matches).toHaveLength(1);
  const { __provider, ...inputs } = matches[0].inputs;
  expect(typeof __provider).toBe("string");
  return { type: matches[0].type, inputs };
}

describe("Port factories", () => {
  const cases: Array<[string, Port, PortRule, string]> = [
    ["tcp(22)", Port.tcp(22), { protocol: "tcp", portRangeMin: 22, portRangeMax: 22 }, "tcp 22"],
    ["tcp(1)", Port.tcp(1), { protocol: "tcp", portRangeMin: 1, portRangeMax: 1 }, "tcp 1"],
    ["tcp(65535)", Port.tcp(65535), { protocol: "tcp", portRangeMin: 65535, portRangeMax: 65535 }, "tcp 65535"],
    ["tcpRange(8000, 8080)", Port.tcpRange(8000, 8080), { protocol: "tcp", portRangeMin: 8000, portRangeMax: 8080 }, "tcp 8000-8080"],
    ["tcpRange(80, 80)", Port.tcpRange(80, 80), { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }, "tcp 80"],
    ["udp(123)", Port.udp(123), { protocol: "udp", portRangeMin: 123, portRangeMax: 123 }, "udp 123"],
    ["udpRange(60000, 61000)", Port.udpRange(60000, 61000), { protocol: "udp", portRangeMin: 60000, portRangeMax: 61000 }, "udp 60000-61000"],
    ["icmp()", Port.icmp(), { protocol: "icmp" }, "icmp"],
    ["icmp(3)", Port.icmp(3), { protocol: "icmp", portRangeMin: 3 }, "icmp type 3"],
    ["icmp(8, 0)", Port.icmp(8, 0), { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }, "icmp type 8 code 0"],
    ["icmp(0, 0)", Port.icmp(0, 0), { protocol: "icmp", portRangeMin: 0, portRangeMax: 0 }, "icmp type 0 code 0"],
    ["icmp(255, 255)", Port.icmp(255, 255), { protocol: "icmp", portRangeMin: 255, portRangeMax: 255 }, "icmp type 255 code 255"],
    ["allTraffic()", Port.allTraffic(), { protocol: "any" }, "all traffic"],
    ["allTcp()", Port.allTcp(), { protocol: "tcp", portRangeMin: 1, portRangeMax: 65535 }, "tcp 1-65535"],
    ["allUdp()", Port.allUdp(), { protocol: "udp", portRangeMin: 1, portRangeMax: 65535 }, "udp 1-65535"],
  ];

  it.each(cases)("Port.%s renders its half of a rule and reads well", (_label, port, rule, text) => {
    expect(port.render()).toStrictEqual(rule);
    expect(port.toString()).toBe(text);
    expect(`${port}`).toBe(text);
  });
});

describe("Port presets", () => {
  const presets: Array<[string, Port, PortRule, string]> = [
    ["SSH", Port.SSH, { protocol: "tcp", portRangeMin: 22, portRangeMax: 22 }, "tcp 22"],
    ["HTTP", Port.HTTP, { protocol: "tcp", portRangeMin: 80, portRangeMax: 80 }, "tcp 80"],
    ["HTTPS", Port.HTTPS, { protocol: "tcp", portRangeMin: 443, portRangeMax: 443 }, "tcp 443"],
    ["RDP", Port.RDP, { protocol: "tcp", portRangeMin: 3389, portRangeMax: 3389 }, "tcp 3389"],
    ["DNS", Port.DNS, { protocol: "udp", portRangeMin: 53, portRangeMax: 53 }, "udp 53"],
    ["DNS_TCP", Port.DNS_TCP, { protocol: "tcp", portRangeMin: 53, portRangeMax: 53 }, "tcp 53"],
    ["SMTP", Port.SMTP, { protocol: "tcp", portRangeMin: 25, portRangeMax: 25 }, "tcp 25"],
    ["SMTPS", Port.SMTPS, { protocol: "tcp", portRangeMin: 465, portRangeMax: 465 }, "tcp 465"],
    ["IMAP", Port.IMAP, { protocol: "tcp", portRangeMin: 143, portRangeMax: 143 }, "tcp 143"],
    ["IMAPS", Port.IMAPS, { protocol: "tcp", portRangeMin: 993, portRangeMax: 993 }, "tcp 993"],
    ["POP3", Port.POP3, { protocol: "tcp", portRangeMin: 110, portRangeMax: 110 }, "tcp 110"],
    ["POP3S", Port.POP3S, { protocol: "tcp", portRangeMin: 995, portRangeMax: 995 }, "tcp 995"],
    ["LDAP", Port.LDAP, { protocol: "tcp", portRangeMin: 389, portRangeMax: 389 }, "tcp 389"],
    ["MS_SQL", Port.MS_SQL, { protocol: "tcp", portRangeMin: 1433, portRangeMax: 1433 }, "tcp 1433"],
    ["MYSQL", Port.MYSQL, { protocol: "tcp", portRangeMin: 3306, portRangeMax: 3306 }, "tcp 3306"],
    ["PING", Port.PING, { protocol: "icmp", portRangeMin: 8, portRangeMax: 0 }, "icmp type 8 code 0"],
    ["PING6", Port.PING6, { protocol: "ipv6-icmp", portRangeMin: 128, portRangeMax: 0 }, "ipv6-icmp type 128 code 0"],
  ];

  it.each(presets)("Port.%s", (_name, port, rule, text) => {
    expect(port.render()).toStrictEqual(rule);
    expect(port.toString()).toBe(text);
  });

  it("covers every static Port preset exactly once", () => {
    const declared = Object.keys(Port)
      .filter((k) => Port[k as keyof typeof Port] instanceof Port)
      .sort();
    expect(declared).toEqual(presets.map(([name]) => name).sort());
  });
});

describe("Port immutability", () => {
  it("freezes ports, so presets cannot be changed for everyone", () => {
    expect(Object.isFrozen(Port.SSH)).toBe(true);
    expect(Object.isFrozen(Port.tcpRange(1, 2))).toBe(true);
  });

  it("returns a fresh render result each call", () => {
    const first = Port.SSH.render();
    first.portRangeMin = 2222;
    first.protocol = "udp";
    expect(Port.SSH.render()).toStrictEqual({ protocol: "tcp", portRangeMin: 22, portRangeMax: 22 });
  });
});

describe("Port argument errors", () => {
  const portAllowed = "allowed: a port, an integer from 1 to 65535";
  const icmpAllowed = "allowed: an ICMP type or code, an integer from 0 to 255";
  const cases: Array<[string, () => Port, string, string]> = [
    ["tcp(0)", () => Port.tcp(0), "port", `SG_INVALID_INPUT: Port.tcp argument port got 0; ${portAllowed}`],
    ["tcp(65536)", () => Port.tcp(65536), "port", `SG_INVALID_INPUT: Port.tcp argument port got 65536; ${portAllowed}`],
    ["tcp(-1)", () => Port.tcp(-1), "port", `SG_INVALID_INPUT: Port.tcp argument port got -1; ${portAllowed}`],
    ["tcp(22.5)", () => Port.tcp(22.5), "port", `SG_INVALID_INPUT: Port.tcp argument port got 22.5; ${portAllowed}`],
    ["tcp(NaN)", () => Port.tcp(Number.NaN), "port", `SG_INVALID_INPUT: Port.tcp argument port got NaN; ${portAllowed}`],
    ["udp(70000)", () => Port.udp(70000), "port", `SG_INVALID_INPUT: Port.udp argument port got 70000; ${portAllowed}`],
    ["tcpRange(0, 10)", () => Port.tcpRange(0, 10), "fromPort", `SG_INVALID_INPUT: Port.tcpRange argument fromPort got 0; ${portAllowed}`],
    ["tcpRange(10, 65536)", () => Port.tcpRange(10, 65536), "toPort", `SG_INVALID_INPUT: Port.tcpRange argument toPort got 65536; ${portAllowed}`],
    [
      "tcpRange(8080, 8000)",
      () => Port.tcpRange(8080, 8000),
      "fromPort",
      "SG_INVALID_INPUT: Port.tcpRange argument fromPort got 8080, greater than toPort 8000; allowed: fromPort <= toPort; fix: Port.tcpRange(8000, 8080)",
    ],
    ["udpRange(1.5, 2)", () => Port.udpRange(1.5, 2), "fromPort", `SG_INVALID_INPUT: Port.udpRange argument fromPort got 1.5; ${portAllowed}`],
    [
      "udpRange(2, 1)",
      () => Port.udpRange(2, 1),
      "fromPort",
      "SG_INVALID_INPUT: Port.udpRange argument fromPort got 2, greater than toPort 1; allowed: fromPort <= toPort; fix: Port.udpRange(1, 2)",
    ],
    ["icmp(256)", () => Port.icmp(256), "type", `SG_INVALID_INPUT: Port.icmp argument type got 256; ${icmpAllowed}`],
    ["icmp(-1)", () => Port.icmp(-1), "type", `SG_INVALID_INPUT: Port.icmp argument type got -1; ${icmpAllowed}`],
    ["icmp(8, 256)", () => Port.icmp(8, 256), "code", `SG_INVALID_INPUT: Port.icmp argument code got 256; ${icmpAllowed}`],
    ["icmp(8, 0.5)", () => Port.icmp(8, 0.5), "code", `SG_INVALID_INPUT: Port.icmp argument code got 0.5; ${icmpAllowed}`],
    [
      "icmp(undefined, 0)",
      () => Port.icmp(undefined, 0),
      "code",
      "SG_INVALID_INPUT: Port.icmp argument code got 0 without a type; allowed: a code only together with a type " +
        "(an ICMP code is meaningful only within a type); fix: pass the type too, e.g. Port.icmp(8, 0)",
    ],
  ];

  it.each(cases)("Port.%s throws SG_INVALID_INPUT naming the argument", (_label, call, argument, message) => {
    const actual = errorMessage(call);
    expect(actual).toBe(message);
    expect(actual.startsWith("SG_INVALID_INPUT: ")).toBe(true);
    expect(actual).toContain(` argument ${argument} `);
  });
});

describe("Peer factories", () => {
  const cases: Array<[string, Peer, PeerRule, string]> = [
    ["ipv4('10.0.0.0/8')", Peer.ipv4("10.0.0.0/8"), { remoteIpPrefix: "10.0.0.0/8", ethertype: "IPv4" }, "10.0.0.0/8"],
    // Not parsed in the SDK: the provider's check is the one place CIDRs are validated.
    ["ipv4('0xc0.168.1.1')", Peer.ipv4("0xc0.168.1.1"), { remoteIpPrefix: "0xc0.168.1.1", ethertype: "IPv4" }, "0xc0.168.1.1"],
    ["ipv6('2001:db8::/32')", Peer.ipv6("2001:db8::/32"), { remoteIpPrefix: "2001:db8::/32", ethertype: "IPv6" }, "2001:db8::/32"],
    ["anyIpv4()", Peer.anyIpv4(), { remoteIpPrefix: "0.0.0.0/0", ethertype: "IPv4" }, "any IPv4 (0.0.0.0/0)"],
    ["anyIpv6()", Peer.anyIpv6(), { remoteIpPrefix: "::/0", ethertype: "IPv6" }, "any IPv6 (::/0)"],
    ["group('sg-123')", Peer.group("sg-123"), { remoteGroupId: "sg-123" }, "security group sg-123"],
    ["group('sg-123', 'IPv6')", Peer.group("sg-123", "IPv6"), { remoteGroupId: "sg-123", ethertype: "IPv6" }, "security group sg-123 (IPv6)"],
    ["subnet('subnet-1')", Peer.subnet("subnet-1"), { remoteSubnetId: "subnet-1" }, "subnet subnet-1"],
    ["subnet('subnet-1', 'IPv4')", Peer.subnet("subnet-1", "IPv4"), { remoteSubnetId: "subnet-1", ethertype: "IPv4" }, "subnet subnet-1 (IPv4)"],
  ];

  it.each(cases)("Peer.%s renders its half of a rule and reads well", (_label, peer, rule, text) => {
    expect(peer.render()).toStrictEqual(rule);
    expect(peer.toString()).toBe(text);
  });

  it("passes an Output group id through unchanged", () => {
    const id = pulumi.output("sg-9");
    const peer = Peer.group(id);
    expect(peer.render()).toStrictEqual({ remoteGroupId: id });
    expect(peer.toString()).toBe("security group (id known after deployment)");
  });

  it("passes an Output subnet id through unchanged", () => {
    const id = pulumi.output("subnet-9");
    const peer = Peer.subnet(id, "IPv6");
    expect(peer.render()).toStrictEqual({ remoteSubnetId: id, ethertype: "IPv6" });
    expect(peer.toString()).toBe("subnet (id known after deployment) (IPv6)");
  });

  it("takes a SecurityGroup and uses its id", async () => {
    const group = new SecurityGroup("peer-group");
    const peer = Peer.group(group, "IPv4");
    const rule = peer.render();
    expect(Object.keys(rule).sort()).toEqual(["ethertype", "remoteGroupId"]);
    expect(rule.remoteGroupId).toBe(group.id);
    expect(rule.ethertype).toBe("IPv4");
    expect(await resolve(group.id)).toBe("peer-group_id");
    expect(peer.toString()).toBe("security group (id known after deployment) (IPv4)");
  });

  it("freezes peers and returns a fresh render result each call", () => {
    const peer = Peer.anyIpv4();
    expect(Object.isFrozen(peer)).toBe(true);
    const first = peer.render();
    first.remoteIpPrefix = "10.0.0.0/8";
    expect(peer.render()).toStrictEqual({ remoteIpPrefix: "0.0.0.0/0", ethertype: "IPv4" });
  });
});

describe("SecurityGroup.allowIngress / allowEgress", () => {
  it("allowIngress creates a child SecurityGroupRule with the port's and the peer's fields", async () => {
    const web = new SecurityGroup("web");
    const rule = web.allowIngress("web-ssh", Peer.anyIpv4(), Port.SSH, "ssh from anywhere");
    expect(rule).toBeInstanceOf(SecurityGroupRule);

    expect(await resolve(rule.securityGroupId)).toBe("web_id");
    expect(await resolve(rule.direction)).toBe("ingress");
    expect(await resolve(rule.protocol)).toBe("tcp");
    expect(await resolve(rule.portRangeMin)).toBe(22);
    expect(await resolve(rule.portRangeMax)).toBe(22);
    expect(await resolve(rule.remoteIpPrefix)).toBe("0.0.0.0/0");
    expect(await resolve(rule.ethertype)).toBe("IPv4");
    expect(await resolve(rule.description)).toBe("ssh from anywhere");
    expect(await resolve(rule.remoteGroupId)).toBeUndefined();
    expect(await resolve(rule.remoteSubnetId)).toBeUndefined();

    const { type, inputs } = registeredInputs("web-ssh");
    expect(type).toBe("pulumi-nodejs:dynamic/secgroups:SecurityGroupRule");
    expect(inputs).toStrictEqual({
      securityGroupId: "web_id",
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: "0.0.0.0/0",
      description: "ssh from anywhere",
      // Its own URN, which makes its create idempotent.
      managedBy:
        "urn:pulumi:test::sdk-helpers::pulumi-nodejs:dynamic/secgroups:SecurityGroup$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::web-ssh",
    });
    // The group is the rule's parent: its type is in the rule's URN.
    expect(await resolve(rule.urn)).toBe(
      "urn:pulumi:test::sdk-helpers::pulumi-nodejs:dynamic/secgroups:SecurityGroup$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::web-ssh",
    );
  });

  it("allowEgress creates an egress rule to another group, without a description when none is given", async () => {
    const app = new SecurityGroup("app");
    const db = new SecurityGroup("db");
    const rule = app.allowEgress("app-to-db", Peer.group(db), Port.MYSQL);
    expect(rule).toBeInstanceOf(SecurityGroupRule);

    expect(await resolve(rule.securityGroupId)).toBe("app_id");
    expect(await resolve(rule.direction)).toBe("egress");
    expect(await resolve(rule.remoteGroupId)).toBe("db_id");

    const { inputs } = registeredInputs("app-to-db");
    expect(inputs).toStrictEqual({
      securityGroupId: "app_id",
      direction: "egress",
      protocol: "tcp",
      portRangeMin: 3306,
      portRangeMax: 3306,
      remoteGroupId: "db_id",
      // Its own URN, which makes its create idempotent.
      managedBy:
        "urn:pulumi:test::sdk-helpers::pulumi-nodejs:dynamic/secgroups:SecurityGroup$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::app-to-db",
    });
  });

  it("allowIngress passes an ICMP port and an IPv6 peer through", async () => {
    const web = new SecurityGroup("web6");
    const rule = web.allowIngress("web6-ping", Peer.ipv6("2001:db8::/32"), Port.icmp(128, 0), "ping6");
    await resolve(rule.id);
    const { inputs } = registeredInputs("web6-ping");
    expect(inputs).toStrictEqual({
      securityGroupId: "web6_id",
      direction: "ingress",
      ethertype: "IPv6",
      protocol: "icmp",
      portRangeMin: 128,
      portRangeMax: 0,
      remoteIpPrefix: "2001:db8::/32",
      description: "ping6",
      managedBy:
        "urn:pulumi:test::sdk-helpers::pulumi-nodejs:dynamic/secgroups:SecurityGroup$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::web6-ping",
    });
  });

  it("lets opts override the parent", async () => {
    const web = new SecurityGroup("web-owner");
    const bundle = new pulumi.ComponentResource("test:index:Bundle", "bundle");
    const rule = web.allowIngress("web-http", Peer.anyIpv4(), Port.HTTP, undefined, { parent: bundle });
    expect(await resolve(rule.urn)).toBe(
      "urn:pulumi:test::sdk-helpers::test:index:Bundle$pulumi-nodejs:dynamic/secgroups:SecurityGroupRule::web-http",
    );
    expect(registeredInputs("web-http").inputs.securityGroupId).toBe("web-owner_id");
  });
});

describe("resource constructors register with Error.stackTraceLimit at 0 (sdk/stacks.ts)", () => {
  let saved: number;
  beforeEach(() => {
    saved = Error.stackTraceLimit;
    Error.stackTraceLimit = 17;
  });
  afterEach(() => {
    Error.stackTraceLimit = saved;
  });

  it("puts the caller's limit back after registering", () => {
    new SecurityGroup("limit-kept");
    new SecurityGroupRule("limit-kept-rule", { securityGroupId: "sg-1", protocol: "tcp", portRangeMin: 22, portRangeMax: 22 });
    expect(Error.stackTraceLimit).toBe(17);
  });

  it("registers while the limit is 0: a stack taken meanwhile has no frames", () => {
    let seen: number | undefined;
    new SecurityGroup("limit-zero", {
      get description() {
        seen = Error.stackTraceLimit;
        return "read while registering";
      },
    });
    expect(seen).toBe(0);
    expect(Error.stackTraceLimit).toBe(17);
  });

  it("puts the limit back when registration throws, and gives the error the stack of the constructing line", () => {
    let thrown: unknown;
    try {
      new SecurityGroup(undefined as unknown as string);
    } catch (err) {
      thrown = err;
    }
    expect(Error.stackTraceLimit).toBe(17);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toContain("Missing resource name");
    expect((thrown as Error).stack).toContain("sdkHelpers.test.ts");
  });

  it("withCallerStack leaves an error that has frames, and values that are not errors, as they are", () => {
    const err = new Error("made with frames");
    const stack = err.stack;
    expect(withCallerStack(err, SecurityGroup)).toBe(err);
    expect(err.stack).toBe(stack);
    expect(withCallerStack("text", SecurityGroup)).toBe("text");
  });
});
