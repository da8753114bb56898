/**
 * A brute-force reading of the rules, written here from the raw model (it never calls
 * evaluateExposure or the address-set code), and the small helpers the exposure property tests
 * share to hold the product's answers against it.
 */
import type { AddressSet } from "../../../provider/domain/addressSet";
import { cidrRange, parseAddress, type Family } from "../../../provider/domain/cidr";
import {
  icmpPort,
  type ExposureModel,
  type ModelPort,
  type ModelRule,
  type ModelServer,
  type Packet,
  type PortAccess,
} from "../../../provider/domain/exposure";
import type { Direction } from "./exposureArbitraries";

export const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
export const ICMP_PROTOCOLS = new Set([1, 58]);
const NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

const ranges = new Map<string, { family: Family; lo: bigint; hi: bigint }>();
export function rangeOf(cidr: string): { family: Family; lo: bigint; hi: bigint } {
  let r = ranges.get(cidr);
  if (!r) ranges.set(cidr, (r = cidrRange(cidr)));
  return r;
}
function inCidr(cidr: string, family: Family, address: bigint): boolean {
  const r = rangeOf(cidr);
  return r.family === family && r.lo <= address && address <= r.hi;
}

/** Family, protocol and port of `rule` hold the packet (the remote aside). */
export function trafficMatches(rule: ModelRule, pkt: Packet): boolean {
  if (rule.ethertype !== pkt.family) return false;
  if (rule.protocol === null) return true;
  const number = NUMBERS[rule.protocol] ?? Number(rule.protocol);
  if (number !== pkt.protocol) return false;
  if (rule.portRangeMin === null) return true;
  if (PORT_PROTOCOLS.has(number)) return rule.portRangeMin <= pkt.port && pkt.port <= (rule.portRangeMax ?? rule.portRangeMin);
  if (ICMP_PROTOCOLS.has(number)) {
    const type = Math.floor(pkt.port / 256);
    const code = pkt.port % 256;
    return type === rule.portRangeMin && (rule.portRangeMax === null || code === rule.portRangeMax);
  }
  return true;
}

/** The remote of `rule` holds the packet's address. */
function remoteMatches(model: ExposureModel, rule: ModelRule, pkt: Packet): boolean {
  if (rule.remoteGroupId !== null) {
    return model.servers.some((s) =>
      s.ports.some((p) => {
        if (p.fixedIp === null || !p.securityGroupIds.includes(rule.remoteGroupId!)) return false;
        const a = parseAddress(p.fixedIp)!;
        return a.family === pkt.family && a.value === pkt.address;
      }),
    );
  }
  if (rule.remoteSubnetId !== null) {
    const network = model.networks.find((n) => n.id === rule.remoteSubnetId);
    return network !== undefined && network.subnets.some((c) => inCidr(c, pkt.family, pkt.address));
  }
  if (rule.remoteIpPrefix !== null) return inCidr(rule.remoteIpPrefix, pkt.family, pkt.address);
  return true;
}

export function ruleMatches(model: ExposureModel, rule: ModelRule, pkt: Packet): boolean {
  return trafficMatches(rule, pkt) && remoteMatches(model, rule, pkt);
}

/** The rules of `direction` of the groups on `port` (groups that exist). */
export function rulesOn(model: ExposureModel, port: ModelPort, direction?: Direction): ModelRule[] {
  return model.rules.filter(
    (r) =>
      (direction === undefined || r.direction === direction) &&
      port.securityGroupIds.includes(r.securityGroupId) &&
      model.groups.some((g) => g.id === r.securityGroupId),
  );
}

/** The members of the rule's remote group whose fixed IPs are not known, as `server network`, in server and network order. */
export function pendingOf(model: ExposureModel, rule: ModelRule): string[] {
  if (rule.remoteGroupId === null) return [];
  return model.servers
    .flatMap((s) =>
      s.ports.filter((p) => p.fixedIp === null && p.securityGroupIds.includes(rule.remoteGroupId!)).map((p) => ({ s: s.name, n: p.networkName })),
    )
    .sort((a, b) => a.s.localeCompare(b.s) || a.n.localeCompare(b.n))
    .map((m) => `${m.s} ${m.n}`);
}

/** The protocols and ports a rule matches, as a box. */
export function ruleBox(rule: ModelRule): { protocols: [number, number]; ports: [number, number] } {
  if (rule.protocol === null) return { protocols: [0, 255], ports: [0, 65535] };
  const n = NUMBERS[rule.protocol] ?? Number(rule.protocol);
  let ports: [number, number] = [0, 65535];
  if (rule.portRangeMin !== null && PORT_PROTOCOLS.has(n)) ports = [rule.portRangeMin, rule.portRangeMax ?? rule.portRangeMin];
  if (rule.portRangeMin !== null && ICMP_PROTOCOLS.has(n))
    ports =
      rule.portRangeMax === null
        ? [rule.portRangeMin * 256, rule.portRangeMin * 256 + 255]
        : [icmpPort(rule.portRangeMin, rule.portRangeMax), icmpPort(rule.portRangeMin, rule.portRangeMax)];
  return { protocols: [n, n], ports };
}

export function dhcpReply(pkt: Packet): boolean {
  return pkt.protocol === 17 && (pkt.family === "IPv4" ? pkt.sourcePort === 67 && pkt.port === 68 : pkt.sourcePort === 547 && pkt.port === 546);
}

/** Whether the rules let `pkt` through `port` (DHCP aside). */
export function rulesAllow(model: ExposureModel, port: ModelPort, direction: Direction, pkt: Packet): boolean {
  return rulesOn(model, port, direction).some((r) => ruleMatches(model, r, pkt));
}

export function portsOf(model: ExposureModel): Array<{ server: ModelServer; port: ModelPort }> {
  return model.servers.flatMap((server) => server.ports.map((port) => ({ server, port })));
}

export function accessOf(accesses: readonly PortAccess[], portId: string): PortAccess {
  const found = accesses.filter((a) => a.portId === portId);
  if (found.length !== 1) throw new Error(`${found.length} accesses for port ${portId}`);
  return found[0]!;
}

export function show(pkt: Packet): string {
  return `${pkt.family} proto ${pkt.protocol} port ${pkt.port} addr ${pkt.address}${pkt.sourcePort === undefined ? "" : ` sport ${pkt.sourcePort}`}`;
}

export function fail(message: string): never {
  throw new Error(message);
}

export const sortedIds = (xs: ReadonlyArray<{ id: string } | { ruleId: string }>) => xs.map((x) => ("id" in x ? x.id : x.ruleId)).sort();
export function rawHas(set: AddressSet, address: bigint): boolean {
  return set.ranges.some(([lo, hi]) => lo <= address && address <= hi);
}
