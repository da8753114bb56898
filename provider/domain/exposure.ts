/**
 * Exposure: what traffic each server port lets in and out, under its profile, and whether one
 * packet gets through. Pure functions over plain data (the backend's records, or a preview's
 * planned state), no I/O.
 *
 * Semantics (every profile): default deny; a packet passes a port if any rule of any group on the
 * port matches it (union); stateful groups let the replies of an allowed flow back, stateless ones
 * need a rule for them too; a remote group means the fixed IPs of the ports that carry that group,
 * a remote subnet every address of that network's subnets, no remote every address of the rule's
 * family; DHCP replies a server sends are always dropped. Routing and floating IPs are not
 * modelled: this is what the security groups allow.
 *
 * Traffic is a box in three dimensions: IP protocol (0-255), "port" and remote address. The port
 * dimension is the destination port for the protocols with ports, `type * 256 + code` for ICMP,
 * and 0-65535 (all) for every other protocol, so one box shape serves every rule.
 */
import type { GroupRecord, NetworkRecord, PortRecord, RuleFields, RuleRecord, ServerRecord } from "./model";
import { fullSet, emptySet, hasAddress, setOf, setOfCidrs, union, type AddressSet } from "./addressSet";
import { isAnyNetwork, parseAddress, type Family } from "./cidr";
import { CONNECTION_PROTOCOLS, ICMP_PROTOCOLS, PORT_PROTOCOLS, PROTOCOL_NAMES, PROTOCOL_NUMBERS, protocolNumber } from "./protocols";

/** A group as exposure reads it. */
export type ModelGroup = Pick<GroupRecord, "id" | "name" | "stateful">;
/** A rule as exposure reads it (null: any / absent, as stored). */
export type ModelRule = Pick<RuleRecord, "id"> & RuleFields;
/** A server's port; `fixedIp` null while it is not known (a server a preview plans to create). */
export type ModelPort = Pick<PortRecord, "id" | "networkId" | "networkName" | "securityGroupIds"> & { fixedIp: string | null };
/** A server with its ports. */
export type ModelServer = Pick<ServerRecord, "id" | "name" | "status"> & { ports: ModelPort[] };
/** A network (for subnet remotes). */
export type ModelNetwork = Pick<NetworkRecord, "id" | "name" | "subnets">;

/** Everything one project's exposure depends on. */
export interface ExposureModel {
  /** Name of the profile, for messages. */
  profile: string;
  project: string;
  groups: ModelGroup[];
  rules: ModelRule[];
  servers: ModelServer[];
  networks: ModelNetwork[];
  /**
   * Names of the only networks whose ports take security groups (the profile's; rackspace:
   * PublicNet, ServiceNet); absent: every network. A port on another network is not filtered.
   */
  attachableNetworks?: readonly string[];
}

/** The numbers of a set of protocol names. */
const numbersOf = (names: ReadonlySet<string>): ReadonlySet<number> => new Set([...names].map((p) => PROTOCOL_NUMBERS[p]!));

/** Protocol numbers whose rules carry destination ports. */
export const PORT_PROTOCOL_NUMBERS: ReadonlySet<number> = numbersOf(PORT_PROTOCOLS);
/** Protocol numbers whose "ports" are an ICMP type and code. */
export const ICMP_PROTOCOL_NUMBERS: ReadonlySet<number> = numbersOf(ICMP_PROTOCOLS);
/** Connection-oriented protocols: a flow needs its replies to work. */
export const CONNECTION_PROTOCOL_NUMBERS: ReadonlySet<number> = numbersOf(CONNECTION_PROTOCOLS);

/** The protocol, port and family part of a rule: a box without its addresses. */
export interface Traffic {
  family: Family;
  /** Protocol numbers, both ends included: [6, 6] for tcp, [0, 255] for any. */
  protocols: readonly [number, number];
  /** Ports (or ICMP type * 256 + code), both ends included; [0, 65535] is all. */
  ports: readonly [number, number];
}

/** The traffic a rule matches. */
export function ruleTraffic(rule: Pick<ModelRule, "ethertype" | "protocol" | "portRangeMin" | "portRangeMax">): Traffic {
  const number = rule.protocol === null ? undefined : protocolNumber(rule.protocol);
  const protocols: [number, number] = number === undefined ? [0, 255] : [number, number];
  let ports: [number, number] = [0, 65535];
  if (number !== undefined && PORT_PROTOCOL_NUMBERS.has(number) && rule.portRangeMin !== null) {
    ports = [rule.portRangeMin, rule.portRangeMax ?? rule.portRangeMin];
  } else if (number !== undefined && ICMP_PROTOCOL_NUMBERS.has(number) && rule.portRangeMin !== null) {
    ports =
      rule.portRangeMax === null
        ? [rule.portRangeMin * 256, rule.portRangeMin * 256 + 255]
        : [rule.portRangeMin * 256 + rule.portRangeMax, rule.portRangeMin * 256 + rule.portRangeMax];
  }
  return { family: rule.ethertype, protocols, ports };
}

/** The name of a protocol number (`6` → `tcp`), or the number. */
export function protocolName(n: number): string {
  return PROTOCOL_NAMES[n] ?? String(n);
}

/**
 * Traffic as people write it, exactly: `tcp 22`, `tcp 1000-2000`, `udp` (all ports), `icmp type 8`,
 * `icmp type 3 code 1`, `icmp type 3 codes 0-3`, `icmp type 0 code 0 to type 1 code 2`, `any protocol`.
 */
export function describeTraffic(t: Omit<Traffic, "family">): string {
  const [p0, p1] = t.protocols;
  const [q0, q1] = t.ports;
  if (p0 === 0 && p1 === 255) return "any protocol";
  const names = p0 === p1 ? protocolName(p0) : `protocols ${p0}-${p1}`;
  if (p0 !== p1 || (q0 === 0 && q1 === 65535)) return names;
  if (PORT_PROTOCOL_NUMBERS.has(p0)) return q0 === q1 ? `${names} ${q0}` : `${names} ${q0}-${q1}`;
  if (ICMP_PROTOCOL_NUMBERS.has(p0)) {
    const [t0, c0, t1, c1] = [Math.floor(q0 / 256), q0 % 256, Math.floor(q1 / 256), q1 % 256];
    if (c0 === 0 && c1 === 255) return t0 === t1 ? `${names} type ${t0}` : `${names} types ${t0}-${t1}`;
    if (t0 === t1) return c0 === c1 ? `${names} type ${t0} code ${c0}` : `${names} type ${t0} codes ${c0}-${c1}`;
    return `${names} type ${t0} code ${c0} to type ${t1} code ${c1}`;
  }
  return names;
}

/** Traffic with its family and remote, as every report says it: `IPv4 tcp 22 from 0.0.0.0/0`, `IPv6 any protocol to ::/0`. */
export function trafficText(direction: "ingress" | "egress", family: string, traffic: string, remote: string): string {
  return `${family} ${traffic} ${direction === "ingress" ? "from" : "to"} ${remote}`;
}

/** What a rule's remote resolved to. */
export type ResolvedRemote =
  | { kind: "any" }
  | { kind: "cidr"; cidr: string }
  | {
      kind: "group";
      groupId: string;
      groupName: string;
      members: Array<{ serverId: string; serverName: string; portId: string; networkName: string; fixedIp: string | null }>;
    }
  | { kind: "subnet"; networkId: string; networkName: string; subnets: string[] };

/** One piece of a port's access: the traffic one rule of one group allows, with its remote addresses. */
export interface Piece extends Traffic {
  direction: "ingress" | "egress";
  /** Remote addresses the rule matches (for a group remote, the members' known fixed IPs). */
  addresses: AddressSet;
  remote: ResolvedRemote;
  groupId: string;
  groupName: string;
  ruleId: string;
  ruleDescription: string;
}

/** A port's effective access: every piece its groups allow, in and out. */
export interface PortAccess {
  serverId: string;
  serverName: string;
  serverStatus: string;
  portId: string;
  networkId: string;
  networkName: string;
  fixedIp: string | null;
  /** Groups on the port, by name. */
  groups: ModelGroup[];
  /** Whether replies are let back without rules: true when every group on the port is stateful. */
  stateful: boolean;
  /** True for a port on a network whose ports take no security groups: nothing filters its traffic. */
  unfiltered: boolean;
  ingress: Piece[];
  egress: Piece[];
}

/** A member of a remote group: a port that carries the group. */
type Member = Extract<ResolvedRemote, { kind: "group" }>["members"][number];

/** The ports that carry each group, by group id, in server name, network name and port id order. */
function membersByGroup(model: ExposureModel): Map<string, Member[]> {
  const out = new Map<string, Member[]>();
  for (const s of model.servers) {
    for (const p of s.ports) {
      for (const g of new Set(p.securityGroupIds)) {
        const list = out.get(g) ?? [];
        list.push({ serverId: s.id, serverName: s.name, portId: p.id, networkName: p.networkName, fixedIp: p.fixedIp });
        out.set(g, list);
      }
    }
  }
  for (const list of out.values()) {
    list.sort((a, b) => a.serverName.localeCompare(b.serverName) || a.networkName.localeCompare(b.networkName) || a.portId.localeCompare(b.portId));
  }
  return out;
}

/** The remote addresses and description of `rule`. */
function resolveRemote(
  rule: ModelRule,
  groupsById: Map<string, ModelGroup>,
  members: Map<string, Member[]>,
  networks: Map<string, ModelNetwork>,
): { addresses: AddressSet; remote: ResolvedRemote } {
  const family = rule.ethertype;
  if (rule.remoteGroupId !== null) {
    const list = members.get(rule.remoteGroupId) ?? [];
    const ips = list.map((m) => (m.fixedIp === null ? undefined : parseAddress(m.fixedIp))).filter((a) => a !== undefined && a.family === family);
    return {
      addresses: setOf(
        family,
        ips.map((a) => [a!.value, a!.value] as const),
      ),
      remote: {
        kind: "group",
        groupId: rule.remoteGroupId,
        groupName: groupsById.get(rule.remoteGroupId)?.name ?? rule.remoteGroupId,
        members: list,
      },
    };
  }
  if (rule.remoteSubnetId !== null) {
    const network = networks.get(rule.remoteSubnetId);
    const subnets = network?.subnets ?? [];
    return {
      addresses: setOfCidrs(family, subnets),
      remote: { kind: "subnet", networkId: rule.remoteSubnetId, networkName: network?.name ?? rule.remoteSubnetId, subnets },
    };
  }
  if (rule.remoteIpPrefix !== null) {
    return {
      addresses: isAnyNetwork(rule.remoteIpPrefix) ? fullSet(family) : setOfCidrs(family, [rule.remoteIpPrefix]),
      remote: { kind: "cidr", cidr: rule.remoteIpPrefix },
    };
  }
  return { addresses: fullSet(family), remote: { kind: "any" } };
}

/** Group name of the pieces of an unfiltered port (no group of the project has parentheses in its name). */
export const UNFILTERED = "(not filtered)";

/**
 * What a port on a network that takes no security groups lets through: everything from the
 * network's own subnets in (an isolated network), everything out, in both families.
 */
function unfilteredPieces(port: ModelPort, network: ModelNetwork | undefined, profile: string): { ingress: Piece[]; egress: Piece[] } {
  const subnets = network?.subnets ?? [];
  const piece = (direction: "ingress" | "egress", family: Family): Piece => ({
    family,
    protocols: [0, 255],
    ports: [0, 65535],
    direction,
    addresses: direction === "ingress" ? setOfCidrs(family, subnets) : fullSet(family),
    remote: direction === "ingress" ? { kind: "subnet", networkId: port.networkId, networkName: port.networkName, subnets } : { kind: "any" },
    groupId: "",
    groupName: UNFILTERED,
    ruleId: `network ${port.networkName} takes no security groups under profile ${profile}`,
    ruleDescription: "",
  });
  return { ingress: [piece("ingress", "IPv4"), piece("ingress", "IPv6")], egress: [piece("egress", "IPv4"), piece("egress", "IPv6")] };
}

/** `rule R of group G`, or for an unfiltered port why nothing filters it. */
export function ruleLabel(p: Pick<Piece, "groupName" | "ruleId">): string {
  return p.groupName === UNFILTERED ? `no filtering: ${p.ruleId}` : `rule ${p.ruleId} of group ${p.groupName}`;
}

function byName<T extends { name: string; id: string }>(a: T, b: T): number {
  return a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
}

/**
 * Every port's effective access, ports ordered by server name, network name and id, pieces by
 * group name and rule id: the result does not depend on the order of groups, rules or servers.
 */
export function evaluateExposure(model: ExposureModel): PortAccess[] {
  const groupsById = new Map(model.groups.map((g) => [g.id, g]));
  const members = membersByGroup(model);
  const networks = new Map(model.networks.map((n) => [n.id, n]));
  const piecesOfGroup = new Map<string, Piece[]>();
  for (const rule of model.rules) {
    const group = groupsById.get(rule.securityGroupId);
    if (!group) continue;
    const { addresses, remote } = resolveRemote(rule, groupsById, members, networks);
    const piece: Piece = {
      ...ruleTraffic(rule),
      direction: rule.direction,
      addresses,
      remote,
      groupId: group.id,
      groupName: group.name,
      ruleId: rule.id,
      ruleDescription: rule.description,
    };
    const list = piecesOfGroup.get(group.id) ?? [];
    list.push(piece);
    piecesOfGroup.set(group.id, list);
  }
  for (const list of piecesOfGroup.values()) list.sort((a, b) => a.ruleId.localeCompare(b.ruleId));
  const out: PortAccess[] = [];
  for (const server of [...model.servers].sort(byName)) {
    const ports = [...server.ports].sort((a, b) => a.networkName.localeCompare(b.networkName) || a.id.localeCompare(b.id));
    for (const port of ports) {
      const base = {
        serverId: server.id,
        serverName: server.name,
        serverStatus: server.status,
        portId: port.id,
        networkId: port.networkId,
        networkName: port.networkName,
        fixedIp: port.fixedIp,
      };
      if (model.attachableNetworks && !model.attachableNetworks.includes(port.networkName)) {
        out.push({ ...base, groups: [], stateful: true, unfiltered: true, ...unfilteredPieces(port, networks.get(port.networkId), model.profile) });
        continue;
      }
      const groups = [...new Set(port.securityGroupIds)]
        .map((id) => groupsById.get(id))
        .filter((g) => g !== undefined)
        .sort(byName);
      const pieces = groups.flatMap((g) => piecesOfGroup.get(g.id) ?? []);
      out.push({
        ...base,
        groups,
        stateful: groups.every((g) => g.stateful),
        unfiltered: false,
        ingress: pieces.filter((p) => p.direction === "ingress"),
        egress: pieces.filter((p) => p.direction === "egress"),
      });
    }
  }
  return out;
}

/** One packet as a port sees it: `address` is the remote end (the source of ingress, the destination of egress). */
export interface Packet {
  family: Family;
  protocol: number;
  /** Destination port, or ICMP type * 256 + code; 0 for protocols without ports. */
  port: number;
  address: bigint;
  /** Source port of tcp/udp packets, where it matters (DHCP). */
  sourcePort?: number;
}

/** True when the piece's traffic holds `protocol` and `port` of `family`. */
export function trafficHolds(t: Traffic, family: Family, protocol: number, port: number): boolean {
  return t.family === family && t.protocols[0] <= protocol && protocol <= t.protocols[1] && t.ports[0] <= port && port <= t.ports[1];
}

/** DHCP replies a server sends (udp 67 → 68, DHCPv6 547 → 546): dropped whatever the rules say. */
export function isDhcpReply(packet: Packet): boolean {
  if (packet.protocol !== 17) return false;
  return packet.family === "IPv4" ? packet.sourcePort === 67 && packet.port === 68 : packet.sourcePort === 547 && packet.port === 546;
}

/** Whether a port lets one packet through in one direction, and why. */
export type Decision = { allowed: true; by: Piece[] } | { allowed: false; reason: "no-rule" | "dhcp" | "no-groups" | "no-address"; near: Piece[] };

/**
 * Decides `packet` at `access` in `direction`: allowed by every piece that matches it, or blocked;
 * `near` are the pieces that match the protocol and port but not the address (the closest misses).
 */
export function decide(access: PortAccess, direction: "ingress" | "egress", packet: Packet): Decision {
  if (direction === "egress" && isDhcpReply(packet)) return { allowed: false, reason: "dhcp", near: [] };
  const pieces = direction === "ingress" ? access.ingress : access.egress;
  const traffic = pieces.filter((p) => trafficHolds(p, packet.family, packet.protocol, packet.port));
  const by = traffic.filter((p) => hasAddress(p.addresses, packet.address));
  if (by.length) return { allowed: true, by };
  return { allowed: false, reason: access.groups.length ? "no-rule" : "no-groups", near: traffic };
}

/** The port dimension of ICMP type and code. */
export function icmpPort(type: number, code: number): number {
  return type * 256 + code;
}

/** The ICMP reply type of a request type (echo 8 → 0, ICMPv6 echo 128 → 129), or undefined. */
function icmpReplyType(family: Family, type: number): number | undefined {
  if (family === "IPv4") return ({ 8: 0, 13: 14, 17: 18 } as Record<number, number>)[type];
  return ({ 128: 129 } as Record<number, number>)[type];
}

/** A flow to check: from an address to a server, on one protocol and port. */
export interface FlowQuery {
  from: string;
  /** Id of the destination server. */
  toServerId: string;
  /** Only the destination's port on this network (name or id); absent: every port of the server. */
  network?: string;
  protocol: number;
  /** Destination port (tcp, udp, …), or the ICMP type; ignored for other protocols. */
  port: number;
  /** ICMP code (default 0). */
  code?: number;
  /** The client's source port, to which stateless replies must be allowed (default: clientPort()). */
  fromPort?: number;
}

/** One check along a flow: a packet at one port in one direction. */
export interface Hop {
  /** `request` leaves the source and enters the destination; `reply` comes back. */
  leg: "request" | "reply";
  direction: "ingress" | "egress";
  port: PortAccess;
  /** Set when the hop passes without a rule: replies of a stateful group. */
  returnTraffic: boolean;
  /** The packet checked at the port. */
  packet: Packet;
  decision: Decision;
}

/** The answer for one destination port. */
export interface PortFlow {
  port: PortAccess;
  /** The source's own port when the source address is a fixed IP of the model. */
  source: PortAccess | undefined;
  allowed: boolean;
  /** True when the request gets through but replies do not, for a protocol that works one way. */
  oneWay: boolean;
  hops: Hop[];
}

/** The answer of `canReach`: allowed if any destination port lets the flow through. */
export interface FlowResult {
  allowed: boolean;
  family: Family;
  ports: PortFlow[];
}

/**
 * Whether traffic from `q.from` reaches the server `q.toServerId`: the request must leave the
 * source port (when the source is a port of the model) and enter the destination port; for
 * connection-oriented protocols (tcp, sctp, dccp) the replies must come back, which stateful
 * groups allow by themselves and stateless ones only by a rule.
 */
export function canReach(accesses: readonly PortAccess[], q: FlowQuery): FlowResult {
  const from = parseAddress(q.from);
  if (!from) throw new Error(`not an address: ${q.from}`);
  const family = from.family;
  const fromPort = q.fromPort ?? clientPort(family, q.protocol, q.port);
  const portValue = PORT_PROTOCOL_NUMBERS.has(q.protocol) ? q.port : ICMP_PROTOCOL_NUMBERS.has(q.protocol) ? icmpPort(q.port, q.code ?? 0) : 0;
  const targets = accesses.filter(
    (a) => a.serverId === q.toServerId && (q.network === undefined || a.networkName === q.network || a.networkId === q.network),
  );
  const sources = accesses.filter(
    (a) => a.fixedIp !== null && parseAddress(a.fixedIp)?.value === from.value && parseAddress(a.fixedIp)?.family === family,
  );
  const ports: PortFlow[] = [];
  for (const target of targets) {
    const to = target.fixedIp === null ? undefined : parseAddress(target.fixedIp);
    const source = sources.find((s) => s.networkId === target.networkId) ?? sources[0];
    const hops: Hop[] = [];
    const request: Packet = { family, protocol: q.protocol, port: portValue, address: from.value, sourcePort: fromPort };
    if (to && to.family !== family) {
      // A port with only an address of the other family cannot receive the packet at all.
      hops.push({
        leg: "request",
        direction: "ingress",
        port: target,
        returnTraffic: false,
        packet: request,
        decision: { allowed: false, reason: "no-address", near: [] },
      });
      ports.push({ port: target, source: undefined, allowed: false, oneWay: false, hops });
      continue;
    }
    if (source && to) {
      const out: Packet = { ...request, address: to.value };
      hops.push({ leg: "request", direction: "egress", port: source, returnTraffic: false, packet: out, decision: decide(source, "egress", out) });
    }
    hops.push({
      leg: "request",
      direction: "ingress",
      port: target,
      returnTraffic: false,
      packet: request,
      decision: decide(target, "ingress", request),
    });
    const requestOk = hops.every((h) => h.decision.allowed);
    // Replies: the same protocol back to the client's port (ICMP: the reply type).
    let replyPort: number | undefined = 0;
    if (PORT_PROTOCOL_NUMBERS.has(q.protocol)) replyPort = fromPort;
    else if (ICMP_PROTOCOL_NUMBERS.has(q.protocol)) {
      const t = icmpReplyType(family, q.port);
      replyPort = t === undefined ? undefined : icmpPort(t, 0);
    }
    if (requestOk && replyPort !== undefined && to) {
      const reply: Packet = { family, protocol: q.protocol, port: replyPort, address: from.value, sourcePort: q.port };
      const back = replyHop(target, "egress", reply);
      hops.push(back);
      if (source && back.decision.allowed) hops.push(replyHop(source, "ingress", { ...reply, address: to.value }));
    }
    const repliesOk = hops.filter((h) => h.leg === "reply").every((h) => h.decision.allowed);
    const needsReplies = CONNECTION_PROTOCOL_NUMBERS.has(q.protocol);
    ports.push({ port: target, source, allowed: requestOk && (repliesOk || !needsReplies), oneWay: requestOk && !repliesOk && !needsReplies, hops });
  }
  return { allowed: ports.some((p) => p.allowed), family, ports };
}

/** The client's source port when none is given: DHCP's client port for a DHCP request, else 50000 (in every ephemeral range). */
export function clientPort(family: Family, protocol: number, port: number): number {
  if (protocol === 17 && family === "IPv4" && port === 67) return 68;
  if (protocol === 17 && family === "IPv6" && port === 547) return 546;
  return 50000;
}

/** A reply at a port: dropped if it is a server's DHCP reply, else let back by a stateful port by itself, by a rule on a stateless one. */
function replyHop(port: PortAccess, direction: "ingress" | "egress", packet: Packet): Hop {
  if (direction === "egress" && isDhcpReply(packet))
    return { leg: "reply", direction, port, returnTraffic: false, packet, decision: { allowed: false, reason: "dhcp", near: [] } };
  if (port.stateful && port.groups.length) return { leg: "reply", direction, port, returnTraffic: true, packet, decision: { allowed: true, by: [] } };
  return { leg: "reply", direction, port, returnTraffic: false, packet, decision: decide(port, direction, packet) };
}

/** Every address any piece lets in or out, by family (for the HTML matrix and findings). */
export function addressesOf(pieces: readonly Piece[], family: Family): AddressSet {
  return pieces.filter((p) => p.family === family).reduce((acc, p) => union(acc, p.addresses), emptySet(family));
}
