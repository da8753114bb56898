/**
 * Exposure, by property: small random projects (groups, rules, networks, servers and their ports)
 * checked packet by packet against a brute-force reading of the rules written here from the raw
 * model (it never calls evaluateExposure or the address-set code); monotonicity when a rule is
 * added; independence of the order of everything; diffExposure's opened/closed against the
 * difference of two brute-force evaluations; boxMinus and the address-set operations against
 * plain membership over tiny universes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  cidrsOf,
  complement,
  containsSet,
  emptySet,
  fullSet,
  hasAddress,
  intersect,
  isEmpty,
  sameSet,
  setOf,
  setOfCidrs,
  subtract,
  union,
  type AddressSet,
  type Range,
} from "../../provider/domain/addressSet";
import { cidrRange, parseAddress, parseCidr, type Family } from "../../provider/domain/cidr";
import {
  canReach,
  decide,
  evaluateExposure,
  icmpPort,
  type ExposureModel,
  type ModelGroup,
  type ModelNetwork,
  type ModelPort,
  type ModelRule,
  type ModelServer,
  type Packet,
  type PortAccess,
} from "../../provider/domain/exposure";
import { boxMinus, type Box } from "../../provider/domain/boxes";
import { diffExposure, type Change } from "../../provider/domain/exposureDiff";

const RUNS = 200;

// ---------------------------------------------------------------------------------------------
// Universes

const V4_CIDRS = ["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.5/32", "8.8.8.0/30", "0.0.0.0/0"];
const V6_CIDRS = ["2001:db8::/126", "::/0"];
/** Subnets of the networks: inside 10.0.0.0/29, and now and then an IPv6 one (a family the IPv4 rules must ignore). */
const SUBNETS = ["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.2/32", "10.0.0.3/32", "2001:db8::/127"];
const FIXED_IPS = [...Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`), "2001:db8::1", "2001:db8::2", "2001:db8::3"];
const RULE_PROTOCOLS = [null, "tcp", "udp", "icmp", "47", "200"] as const;

/** Remote addresses every packet of the universe comes from (ingress) or goes to (egress). */
const PACKET_ADDRESSES: Record<Family, string[]> = {
  IPv4: [...Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`), "8.8.8.1", "192.0.2.1"],
  IPv6: ["2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3", "2001:db8::4", "fe80::1"],
};

function packetsOf(family: Family): Packet[] {
  const out: Packet[] = [];
  for (const text of PACKET_ADDRESSES[family]) {
    const address = parseAddress(text)!.value;
    for (const protocol of [6, 17]) for (let port = 0; port <= 7; port++) out.push({ family, protocol, port, address });
    // DHCP replies (and near misses) by source port; tcp with the same ports is no DHCP.
    for (const [sourcePort, port] of [
      [67, 68],
      [547, 546],
      [68, 67],
      [546, 547],
      [53, 68],
      [67, 5],
      [547, 68],
      [67, 546],
    ] as const) {
      out.push({ family, protocol: 17, port, address, sourcePort });
    }
    out.push({ family, protocol: 6, port: 68, address, sourcePort: 67 });
    for (const protocol of family === "IPv4" ? [1] : [1, 58]) {
      for (let type = 0; type <= 2; type++) for (let code = 0; code <= 2; code++) out.push({ family, protocol, port: icmpPort(type, code), address });
    }
    out.push({ family, protocol: 47, port: 0, address }, { family, protocol: 200, port: 0, address });
  }
  return out;
}
const PACKETS: Packet[] = [...packetsOf("IPv4"), ...packetsOf("IPv6")];
const DIRECTIONS = ["ingress", "egress"] as const;
type Direction = (typeof DIRECTIONS)[number];

// ---------------------------------------------------------------------------------------------
// Generators

/** Servers, ports (no groups yet), networks and groups: what two variants of a project share. */
interface World {
  groups: ModelGroup[];
  networks: ModelNetwork[];
  servers: ModelServer[];
}
/** What may change between two evaluations: the rules and the groups on each port (flat port order). */
interface Variant {
  rules: ModelRule[];
  portGroups: string[][];
}

const groupsArb: fc.Arbitrary<ModelGroup[]> = fc
  .array(fc.record({ name: fc.constantFrom("web", "app", "db", "ops"), stateful: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .map((gs) => gs.map((g, i) => ({ id: `g${i}`, ...g })));

const networksArb: fc.Arbitrary<ModelNetwork[]> = fc
  .array(fc.uniqueArray(fc.constantFrom(...SUBNETS), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 })
  .map((ns) => ns.map((subnets, i) => ({ id: `n${i}`, name: `net${i}`, subnets })));

const worldArb: fc.Arbitrary<World> = fc.tuple(groupsArb, networksArb).chain(([groups, networks]) => {
  const networkIds = networks.map((n) => n.id);
  const serverArb = fc.record({
    status: fc.constantFrom("ACTIVE" as const, "BUILD" as const),
    // A server's ports are on distinct networks (diffExposure matches ports by server and network name).
    nets: fc.shuffledSubarray(networkIds, { minLength: 1, maxLength: Math.min(2, networkIds.length) }),
  });
  return fc
    .tuple(
      fc.array(serverArb, { minLength: 1, maxLength: 3 }),
      fc.shuffledSubarray(FIXED_IPS, { minLength: 6, maxLength: 6 }),
      fc.array(fc.oneof({ weight: 9, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }), { minLength: 6, maxLength: 6 }),
    )
    .map(([shapes, ips, unknownIp]) => {
      let k = 0;
      const servers: ModelServer[] = shapes.map((s, i) => ({
        id: `s${i}`,
        name: `srv${i}`,
        status: s.status,
        ports: s.nets.map((networkId): ModelPort => {
          const n = k++;
          return {
            id: `p${i}${networkId}`,
            networkId,
            networkName: networks.find((x) => x.id === networkId)!.name,
            fixedIp: unknownIp[n] ? null : ips[n]!,
            securityGroupIds: [],
          };
        }),
      }));
      return { groups, networks, servers };
    });
});

function ruleArb(world: World): fc.Arbitrary<Omit<ModelRule, "id">> {
  const groupIds = world.groups.map((g) => g.id);
  const networkIds = world.networks.map((n) => n.id);
  return fc
    .record({
      securityGroupId: fc.constantFrom(...groupIds),
      direction: fc.constantFrom(...DIRECTIONS),
      ethertype: fc.oneof({ weight: 3, arbitrary: fc.constant("IPv4" as const) }, { weight: 1, arbitrary: fc.constant("IPv6" as const) }),
      protocol: fc.constantFrom(...RULE_PROTOCOLS),
      portKind: fc.integer({ min: 0, max: 2 }),
      p1: fc.integer({ min: 1, max: 6 }),
      p2: fc.integer({ min: 1, max: 6 }),
      type: fc.integer({ min: 0, max: 2 }),
      code: fc.integer({ min: 0, max: 2 }),
      remoteKind: fc.constantFrom("none", "cidr", "cidr", "group", "subnet"),
      cidr4: fc.constantFrom(...V4_CIDRS),
      cidr6: fc.constantFrom(...V6_CIDRS),
      remoteGroup: fc.constantFrom(...groupIds),
      remoteSubnet: fc.constantFrom(...networkIds),
    })
    .map((x) => {
      let portRangeMin: number | null = null;
      let portRangeMax: number | null = null;
      if ((x.protocol === "tcp" || x.protocol === "udp") && x.portKind > 0) {
        portRangeMin = x.portKind === 1 ? Math.min(x.p1, x.p2) : x.p1;
        portRangeMax = x.portKind === 1 ? Math.max(x.p1, x.p2) : x.p1;
      } else if (x.protocol === "icmp" && x.portKind > 0) {
        portRangeMin = x.type;
        portRangeMax = x.portKind === 2 ? x.code : null;
      }
      return {
        securityGroupId: x.securityGroupId,
        direction: x.direction,
        ethertype: x.ethertype,
        protocol: x.protocol,
        portRangeMin,
        portRangeMax,
        remoteIpPrefix: x.remoteKind === "cidr" ? (x.ethertype === "IPv4" ? x.cidr4 : x.cidr6) : null,
        remoteGroupId: x.remoteKind === "group" ? x.remoteGroup : null,
        remoteSubnetId: x.remoteKind === "subnet" ? x.remoteSubnet : null,
        description: "",
      };
    });
}

function rulesArb(world: World, prefix: string, maxLength = 8): fc.Arbitrary<ModelRule[]> {
  return fc.array(ruleArb(world), { maxLength }).map((rs) => rs.map((r, i) => ({ id: `${prefix}${i}`, ...r })));
}

function portGroupsArb(world: World): fc.Arbitrary<string[][]> {
  const count = world.servers.reduce((n, s) => n + s.ports.length, 0);
  return fc.array(fc.subarray(world.groups.map((g) => g.id)), { minLength: count, maxLength: count });
}

function variantArb(world: World): fc.Arbitrary<Variant> {
  return fc.record({ rules: rulesArb(world, "r"), portGroups: portGroupsArb(world) });
}

function build(world: World, v: Variant): ExposureModel {
  let k = 0;
  return {
    profile: "openstack",
    project: "p",
    groups: world.groups,
    rules: v.rules,
    networks: world.networks,
    servers: world.servers.map((s) => ({ ...s, ports: s.ports.map((p) => ({ ...p, securityGroupIds: v.portGroups[k++]! })) })),
  };
}

const modelArb: fc.Arbitrary<ExposureModel> = worldArb.chain((w) => variantArb(w).map((v) => build(w, v)));

// ---------------------------------------------------------------------------------------------
// Brute force, from the raw model

const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);
const ICMP_PROTOCOLS = new Set([1, 58]);
const NUMBERS: Record<string, number> = { tcp: 6, udp: 17, icmp: 1 };

const ranges = new Map<string, { family: Family; lo: bigint; hi: bigint }>();
function rangeOf(cidr: string): { family: Family; lo: bigint; hi: bigint } {
  let r = ranges.get(cidr);
  if (!r) ranges.set(cidr, (r = cidrRange(cidr)));
  return r;
}
function inCidr(cidr: string, family: Family, address: bigint): boolean {
  const r = rangeOf(cidr);
  return r.family === family && r.lo <= address && address <= r.hi;
}

/** Family, protocol and port of `rule` hold the packet (the remote aside). */
function trafficMatches(rule: ModelRule, pkt: Packet): boolean {
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

function ruleMatches(model: ExposureModel, rule: ModelRule, pkt: Packet): boolean {
  return trafficMatches(rule, pkt) && remoteMatches(model, rule, pkt);
}

/** The rules of `direction` of the groups on `port` (groups that exist). */
function rulesOn(model: ExposureModel, port: ModelPort, direction?: Direction): ModelRule[] {
  return model.rules.filter(
    (r) =>
      (direction === undefined || r.direction === direction) &&
      port.securityGroupIds.includes(r.securityGroupId) &&
      model.groups.some((g) => g.id === r.securityGroupId),
  );
}

/** The members of the rule's remote group whose fixed IPs are not known, as `server network`, in server and network order. */
function pendingOf(model: ExposureModel, rule: ModelRule): string[] {
  if (rule.remoteGroupId === null) return [];
  return model.servers
    .flatMap((s) =>
      s.ports.filter((p) => p.fixedIp === null && p.securityGroupIds.includes(rule.remoteGroupId!)).map((p) => ({ s: s.name, n: p.networkName })),
    )
    .sort((a, b) => a.s.localeCompare(b.s) || a.n.localeCompare(b.n))
    .map((m) => `${m.s} ${m.n}`);
}

/** The protocols and ports a rule matches, as a box. */
function ruleBox(rule: ModelRule): { protocols: [number, number]; ports: [number, number] } {
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

function dhcpReply(pkt: Packet): boolean {
  return pkt.protocol === 17 && (pkt.family === "IPv4" ? pkt.sourcePort === 67 && pkt.port === 68 : pkt.sourcePort === 547 && pkt.port === 546);
}

/** Whether the rules let `pkt` through `port` (DHCP aside). */
function rulesAllow(model: ExposureModel, port: ModelPort, direction: Direction, pkt: Packet): boolean {
  return rulesOn(model, port, direction).some((r) => ruleMatches(model, r, pkt));
}

function portsOf(model: ExposureModel): Array<{ server: ModelServer; port: ModelPort }> {
  return model.servers.flatMap((server) => server.ports.map((port) => ({ server, port })));
}

function accessOf(accesses: readonly PortAccess[], portId: string): PortAccess {
  const found = accesses.filter((a) => a.portId === portId);
  if (found.length !== 1) throw new Error(`${found.length} accesses for port ${portId}`);
  return found[0]!;
}

function show(pkt: Packet): string {
  return `${pkt.family} proto ${pkt.protocol} port ${pkt.port} addr ${pkt.address}${pkt.sourcePort === undefined ? "" : ` sport ${pkt.sourcePort}`}`;
}

function fail(message: string): never {
  throw new Error(message);
}

const sortedIds = (xs: ReadonlyArray<{ id: string } | { ruleId: string }>) => xs.map((x) => ("id" in x ? x.id : x.ruleId)).sort();

// ---------------------------------------------------------------------------------------------

describe("evaluateExposure and decide agree with a brute-force reading of the rules", () => {
  it("allows exactly the packets some rule of some group on the port matches, names exactly those rules, and the closest misses", () => {
    let allowed = 0;
    let blocked = 0;
    fc.assert(
      fc.property(modelArb, (model) => {
        const accesses = evaluateExposure(model);
        const ports = portsOf(model);
        expect(accesses.length).toBe(ports.length);
        for (const { server, port } of ports) {
          const access = accessOf(accesses, port.id);
          expect([access.serverId, access.serverName, access.networkId, access.fixedIp]).toEqual([
            server.id,
            server.name,
            port.networkId,
            port.fixedIp,
          ]);
          const groups = model.groups.filter((g) => port.securityGroupIds.includes(g.id));
          expect(sortedIds(access.groups)).toEqual(sortedIds(groups));
          expect(access.stateful).toBe(groups.every((g) => g.stateful));
          for (const direction of DIRECTIONS) {
            const rules = rulesOn(model, port, direction);
            for (const pkt of PACKETS) {
              const d = decide(access, direction, pkt);
              const where = `${server.name}/${port.networkName} ${direction} ${show(pkt)}`;
              if (direction === "egress" && dhcpReply(pkt)) {
                if (d.allowed || d.reason !== "dhcp" || d.near.length)
                  fail(`${where}: a DHCP reply must be dropped, got ${JSON.stringify({ ...d, by: undefined, near: undefined })}`);
                blocked++;
                continue;
              }
              const matching = rules.filter((r) => ruleMatches(model, r, pkt));
              if (d.allowed !== matching.length > 0)
                fail(`${where}: decide says ${d.allowed}, the rules say ${matching.map((r) => r.id).join(",") || "none"}`);
              if (d.allowed) {
                allowed++;
                if (sortedIds(d.by).join() !== sortedIds(matching).join())
                  fail(`${where}: by ${sortedIds(d.by).join()} but ${sortedIds(matching).join()} match`);
                for (const piece of d.by) {
                  const rule = model.rules.find((r) => r.id === piece.ruleId)!;
                  const group = model.groups.find((g) => g.id === rule.securityGroupId)!;
                  if (!ruleMatches(model, rule, pkt)) fail(`${where}: ${piece.ruleId} does not match`);
                  if (
                    piece.groupId !== rule.securityGroupId ||
                    piece.groupName !== group.name ||
                    piece.direction !== direction ||
                    piece.family !== pkt.family
                  ) {
                    fail(`${where}: piece of ${piece.ruleId} names ${piece.groupId}/${piece.groupName} ${piece.direction} ${piece.family}`);
                  }
                }
              } else {
                blocked++;
                const reason = groups.length ? "no-rule" : "no-groups";
                if (d.reason !== reason) fail(`${where}: reason ${d.reason}, expected ${reason}`);
                const near = rules.filter((r) => trafficMatches(r, pkt));
                if (sortedIds(d.near).join() !== sortedIds(near).join())
                  fail(`${where}: near ${sortedIds(d.near).join()} but ${sortedIds(near).join()} hold the traffic`);
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    // Both outcomes are common, or the comparison says little.
    expect(allowed).toBeGreaterThan(10_000);
    expect(blocked).toBeGreaterThan(10_000);
  });
});

describe("canReach agrees with a brute-force reading of a flow", () => {
  /** The flow by hand: request out of the source port (if the source is a port) and into the target; replies back unless stateful (DHCP replies never). */
  function flowByHand(model: ExposureModel, target: ModelPort, from: string, protocol: number, port: number): { allowed: boolean; oneWay: boolean } {
    const src = parseAddress(from)!;
    const sources = portsOf(model)
      .map((x) => x.port)
      .filter((x) => x.fixedIp !== null && parseAddress(x.fixedIp)!.family === src.family && parseAddress(x.fixedIp)!.value === src.value);
    const source = sources.find((x) => x.networkId === target.networkId) ?? sources[0];
    const dst = target.fixedIp === null ? undefined : parseAddress(target.fixedIp);
    const no = { allowed: false, oneWay: false };
    if (dst && dst.family !== src.family) return no;
    const clientPort =
      protocol === 17 && src.family === "IPv4" && port === 67 ? 68 : protocol === 17 && src.family === "IPv6" && port === 547 ? 546 : 50000;
    const withGroups = (x: ModelPort) => model.groups.filter((g) => x.securityGroupIds.includes(g.id));
    const statefulPort = (x: ModelPort) => withGroups(x).length > 0 && withGroups(x).every((g) => g.stateful);
    const portValue = PORT_PROTOCOLS.has(protocol) ? port : ICMP_PROTOCOLS.has(protocol) ? icmpPort(port, 0) : 0;
    const request: Packet = { family: src.family, protocol, port: portValue, address: src.value, sourcePort: clientPort };
    let ok = rulesAllow(model, target, "ingress", request);
    if (source && dst)
      ok = ok && !dhcpReply({ ...request, address: dst.value }) && rulesAllow(model, source, "egress", { ...request, address: dst.value });
    if (!ok) return no;
    if (!dst || !(PORT_PROTOCOLS.has(protocol) || protocol === 47 || protocol === 200)) return { allowed: true, oneWay: false }; // ICMP types 0-2 have no reply type here
    const reply: Packet = { family: src.family, protocol, port: PORT_PROTOCOLS.has(protocol) ? clientPort : 0, address: src.value, sourcePort: port };
    let back = !dhcpReply(reply) && (statefulPort(target) || rulesAllow(model, target, "egress", reply));
    if (back && source) back = statefulPort(source) || rulesAllow(model, source, "ingress", { ...reply, address: dst.value });
    const connection = [6, 33, 132].includes(protocol);
    return { allowed: back || !connection, oneWay: !back && !connection };
  }

  it("allowed exactly when the request passes both ends and, for tcp, the replies come back", () => {
    let allowed = 0;
    let blocked = 0;
    let oneWay = 0;
    fc.assert(
      fc.property(modelArb, (model) => {
        const accesses = evaluateExposure(model);
        const sources = [...PACKET_ADDRESSES.IPv4.slice(0, 9), "2001:db8::1", "2001:db8::3"];
        for (const server of model.servers) {
          for (const target of server.ports) {
            for (const from of sources) {
              for (const [protocol, port] of [
                [6, 3],
                [6, 5],
                [17, 67],
                [17, 547],
                [17, 2],
                [1, 1],
                [47, 0],
                [200, 0],
              ] as const) {
                const result = canReach(accesses, { from, toServerId: server.id, network: target.networkName, protocol, port });
                const expected = flowByHand(model, target, from, protocol, port);
                const got = { allowed: result.allowed, oneWay: result.ports[0]!.oneWay };
                if (got.allowed !== expected.allowed || got.oneWay !== expected.oneWay) {
                  fail(
                    `${server.name}/${target.networkName} from ${from} proto ${protocol} port ${port}: canReach ${JSON.stringify(got)}, by hand ${JSON.stringify(expected)}`,
                  );
                }
                if (expected.oneWay) oneWay++;
                if (expected.allowed) allowed++;
                else blocked++;
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(allowed).toBeGreaterThan(500);
    expect(blocked).toBeGreaterThan(2_000);
    expect(oneWay).toBeGreaterThan(50);
  });
});

describe("adding a rule is monotone", () => {
  it("blocks nothing that was allowed, keeps every piece, and opens only what the new rule matches", () => {
    const NEW = "z-new";
    let opened = 0;
    fc.assert(
      fc.property(
        worldArb.chain((w) => fc.tuple(variantArb(w), ruleArb(w)).map(([v, extra]) => ({ model: build(w, v), extra: { id: NEW, ...extra } }))),
        ({ model, extra }) => {
          const after = { ...model, rules: [...model.rules, extra] };
          const a0 = evaluateExposure(model);
          const a1 = evaluateExposure(after);
          for (const { port } of portsOf(model)) {
            const x0 = accessOf(a0, port.id);
            const x1 = accessOf(a1, port.id);
            for (const direction of DIRECTIONS) {
              const p1 = x1[direction];
              expect(p1.filter((p) => p.ruleId !== NEW)).toEqual(x0[direction]);
              expect(p1.filter((p) => p.ruleId === NEW).length).toBe(
                port.securityGroupIds.includes(extra.securityGroupId) && extra.direction === direction ? 1 : 0,
              );
              for (const pkt of PACKETS) {
                const before = decide(x0, direction, pkt).allowed;
                const now = decide(x1, direction, pkt).allowed;
                if (before && !now) fail(`${port.id} ${direction} ${show(pkt)}: allowed before the new rule, blocked after`);
                if (now && !before) {
                  opened++;
                  if (!ruleMatches(after, extra, pkt) || !port.securityGroupIds.includes(extra.securityGroupId) || extra.direction !== direction) {
                    fail(`${port.id} ${direction} ${show(pkt)}: opened by something other than the new rule`);
                  }
                }
              }
            }
          }
        },
      ),
      { numRuns: RUNS },
    );
    expect(opened).toBeGreaterThan(1_000);
  });
});

/** A seeded shuffle (mulberry32), so a failure replays. */
function shuffler(seed: number): <T>(xs: readonly T[]) => T[] {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return <T>(xs: readonly T[]): T[] => {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      const t = a[i]!;
      a[i] = a[j]!;
      a[j] = t;
    }
    return a;
  };
}

describe("evaluateExposure does not depend on order", () => {
  it("gives a deep-equal result for shuffled groups, rules, servers, ports, port group lists (with a repeat) and networks", () => {
    let reordered = 0;
    fc.assert(
      fc.property(modelArb, fc.integer(), fc.boolean(), (model, seed, repeat) => {
        const shuffle = shuffler(seed);
        const shuffled: ExposureModel = {
          ...model,
          groups: shuffle(model.groups),
          rules: shuffle(model.rules),
          networks: shuffle(model.networks),
          servers: shuffle(model.servers).map((s) => ({
            ...s,
            ports: shuffle(s.ports).map((p) => {
              const ids = shuffle(p.securityGroupIds);
              return { ...p, securityGroupIds: repeat && ids.length ? [...ids, ids[0]!] : ids };
            }),
          })),
        };
        if (JSON.stringify(shuffled.rules) !== JSON.stringify(model.rules)) reordered++;
        expect(evaluateExposure(shuffled)).toStrictEqual(evaluateExposure(model));
      }),
      { numRuns: RUNS },
    );
    expect(reordered).toBeGreaterThan(RUNS / 4);
  });
});

// ---------------------------------------------------------------------------------------------
// diffExposure

/** A change's box: its own protocol and port ranges. */
function parseTraffic(c: Change): { protocols: readonly [number, number]; ports: readonly [number, number] } {
  return { protocols: c.protocols, ports: c.ports };
}

function rawHas(set: AddressSet, address: bigint): boolean {
  return set.ranges.some(([lo, hi]) => lo <= address && address <= hi);
}

function changeHolds(c: Change, direction: Direction, pkt: Packet): boolean {
  const t = parseTraffic(c);
  return (
    c.direction === direction &&
    c.family === pkt.family &&
    c.addresses.family === pkt.family &&
    t.protocols[0] <= pkt.protocol &&
    pkt.protocol <= t.protocols[1] &&
    t.ports[0] <= pkt.port &&
    pkt.port <= t.ports[1] &&
    rawHas(c.addresses, pkt.address)
  );
}

/** Corner packets of a change's box: each end of each address range, protocol and port. */
function corners(c: Change): Packet[] {
  const t = parseTraffic(c);
  const out: Packet[] = [];
  for (const [lo, hi] of c.addresses.ranges)
    for (const address of [lo, hi])
      for (const protocol of t.protocols)
        for (const port of t.ports) {
          out.push({ family: c.family, protocol, port, address });
        }
  return out;
}

const diffArb = worldArb.chain((w) =>
  variantArb(w).chain((before) =>
    fc
      .oneof(
        // Unrelated rules and groups.
        variantArb(w),
        // An edit: keep some rules, add a few, maybe move groups between ports.
        fc
          .record({
            kept: fc.subarray(before.rules),
            added: rulesArb(w, "q", 3),
            portGroups: fc.oneof(fc.constant(before.portGroups), portGroupsArb(w)),
          })
          .map((x): Variant => ({ rules: [...x.kept, ...x.added], portGroups: x.portGroups })),
      )
      .map((after) => ({ before: build(w, before), after: build(w, after) })),
  ),
);

describe("diffExposure agrees with two brute-force evaluations", () => {
  it("a packet is opened (closed) exactly when it lies in an opened (closed) change of its port and direction", () => {
    let opened = 0;
    let closed = 0;
    let pendingSeen = 0;
    fc.assert(
      fc.property(diffArb, ({ before, after }) => {
        const report = (m: ExposureModel) => ({ ports: evaluateExposure(m), findings: [] });
        const d = diffExposure(report(before), report(after));
        const keys = d.ports.map((p) => `${p.serverName}/${p.networkName}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(d.ports.every((p) => p.status === "changed")).toBe(true);
        const portsA = portsOf(after);
        for (const [i, { server, port: pb }] of portsOf(before).entries()) {
          const pa = portsA[i]!.port;
          const change = d.ports.find((p) => p.serverName === server.name && p.networkName === pb.networkName);
          for (const [kind, list, from, to, portFrom, portTo] of [
            ["opened", change?.opened ?? [], before, after, pb, pa],
            ["closed", change?.closed ?? [], after, before, pa, pb],
          ] as const) {
            // Every change names a rule of its side, of a group on the port, of its direction.
            for (const c of list) {
              const rule = to.rules.find((r) => r.id === c.ruleId);
              const group = to.groups.find((g) => g.id === rule?.securityGroupId);
              if (
                !rule ||
                !group ||
                group.name !== c.groupName ||
                rule.direction !== c.direction ||
                !portTo.securityGroupIds.includes(group.id) ||
                rule.ethertype !== c.family
              ) {
                fail(`${server.name}/${pb.networkName}: ${kind} ${c.traffic} names rule ${c.ruleId} of ${c.groupName}, not one on the port`);
              }
              if (isEmpty(c.addresses)) {
                // A group remote with members whose addresses are known after apply, named as such.
                const pending = pendingOf(to, rule);
                const remoteGroup = to.groups.find((g) => g.id === rule.remoteGroupId);
                const same = rulesOn(from, portFrom).some((r) => r.id === rule.id && pendingOf(from, r).join() === pending.join());
                if (
                  !pending.length ||
                  !remoteGroup ||
                  same ||
                  c.remote !== `the members of group ${remoteGroup.name} whose addresses are known after apply (${pending.join(", ")})`
                ) {
                  fail(`${server.name}/${pb.networkName}: ${kind} ${c.traffic} (${c.ruleId}) has no address: ${c.remote}`);
                }
                expect(parseTraffic(c)).toEqual(ruleBox(rule));
                pendingSeen++;
                continue;
              }
              for (const pkt of corners(c)) {
                if (!rulesAllow(to, portTo, c.direction, pkt) || rulesAllow(from, portFrom, c.direction, pkt)) {
                  fail(
                    `${server.name}/${pb.networkName}: ${kind} ${c.direction} ${c.traffic} from ${c.remote} (${c.ruleId}) holds ${show(pkt)}, which is not ${kind}`,
                  );
                }
              }
            }
            // Every rule on the port with pending members, unless the other side has it with the same ones, has its pending change.
            for (const rule of rulesOn(to, portTo)) {
              const pending = pendingOf(to, rule);
              if (!pending.length || rulesOn(from, portFrom).some((r) => r.id === rule.id && pendingOf(from, r).join() === pending.join())) continue;
              if (list.filter((c) => c.ruleId === rule.id && isEmpty(c.addresses)).length !== 1)
                fail(`${server.name}/${pb.networkName}: no pending ${kind} change for ${rule.id}`);
            }
            for (const direction of DIRECTIONS) {
              for (const pkt of PACKETS) {
                const changed = rulesAllow(to, portTo, direction, pkt) && !rulesAllow(from, portFrom, direction, pkt);
                const holding = list.filter((c) => changeHolds(c, direction, pkt));
                if (changed) {
                  if (kind === "opened") opened++;
                  else closed++;
                  if (!holding.length) fail(`${server.name}/${pb.networkName} ${direction} ${show(pkt)}: ${kind} but in no ${kind} change`);
                  // The rule a change names matches the packet.
                  for (const c of holding) {
                    if (
                      !ruleMatches(
                        to,
                        to.rules.find((r) => r.id === c.ruleId)!,
                        pkt,
                      )
                    )
                      fail(`${kind} ${c.traffic} (${c.ruleId}) does not match ${show(pkt)}`);
                  }
                } else {
                  if (holding.length)
                    fail(
                      `${server.name}/${pb.networkName} ${direction} ${show(pkt)}: not ${kind} but in ${kind} ${holding[0]!.traffic} from ${holding[0]!.remote} (${holding[0]!.ruleId})`,
                    );
                }
              }
            }
          }
        }
      }),
      { numRuns: RUNS },
    );
    expect(opened).toBeGreaterThan(5_000);
    expect(closed).toBeGreaterThan(5_000);
    expect(pendingSeen).toBeGreaterThan(10);
  });

  it("regression: a change cut inside an ICMP type keeps its codes, in its text and its numbers (was 'icmp types 0-1')", () => {
    const rule = (id: string, f: Partial<ModelRule>): ModelRule => ({
      id,
      securityGroupId: "g",
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "icmp",
      portRangeMin: null,
      portRangeMax: null,
      remoteIpPrefix: null,
      remoteGroupId: null,
      remoteSubnetId: null,
      description: "",
      ...f,
    });
    const model = (rules: ModelRule[]): ExposureModel => ({
      profile: "openstack",
      project: "p",
      groups: [{ id: "g", name: "g", stateful: true }],
      rules,
      networks: [],
      servers: [
        {
          id: "s",
          name: "s",
          status: "ACTIVE",
          ports: [{ id: "p", networkId: "n", networkName: "n", fixedIp: "10.0.0.1", securityGroupIds: ["g"] }],
        },
      ],
    });
    const type1code3 = rule("r1", { portRangeMin: 1, portRangeMax: 3 });
    const d = diffExposure(
      { ports: evaluateExposure(model([type1code3])), findings: [] },
      { ports: evaluateExposure(model([type1code3, rule("r2", {})])), findings: [] },
    );
    expect(d.ports[0]!.opened.map((c) => [c.traffic, c.protocols, c.ports, c.ruleId])).toEqual([
      ["icmp type 0 code 0 to type 1 code 2", [1, 1], [0, icmpPort(1, 2)], "r2"],
      ["icmp type 1 code 4 to type 255 code 255", [1, 1], [icmpPort(1, 4), 65535], "r2"],
    ]);
    expect(d.ports[0]!.closed).toEqual([]);
  });
});

describe("boxMinus is exact", () => {
  const base = parseAddress("10.0.0.0")!.value;
  const boxArb: fc.Arbitrary<Box> = fc
    .record({
      family: fc.oneof({ weight: 5, arbitrary: fc.constant("IPv4" as const) }, { weight: 1, arbitrary: fc.constant("IPv6" as const) }),
      protocols: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      ports: fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
      cidrs: fc.subarray(["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.5/32", "10.0.0.1/32"], { minLength: 1 }),
    })
    .map((b) => ({
      family: b.family,
      protocols: b.protocols,
      ports: b.ports,
      addresses: b.family === "IPv4" ? setOfCidrs("IPv4", b.cidrs) : setOfCidrs("IPv6", ["2001:db8::/126"]),
    }));
  const holds = (b: Box, family: Family, protocol: number, port: number, address: bigint) =>
    b.family === family &&
    b.protocols[0] <= protocol &&
    protocol <= b.protocols[1] &&
    b.ports[0] <= port &&
    port <= b.ports[1] &&
    rawHas(b.addresses, address);

  it("b minus others holds exactly the points of b in none of the others, each in exactly one part", () => {
    fc.assert(
      fc.property(boxArb, fc.array(boxArb, { maxLength: 3 }), (b, others) => {
        const parts = boxMinus(b, others);
        for (const part of parts) expect(isEmpty(part.addresses)).toBe(false);
        for (const family of ["IPv4", "IPv6"] as const) {
          const addresses =
            family === "IPv4"
              ? Array.from({ length: 9 }, (_, i) => base + BigInt(i))
              : [0n, 1n, 2n, 3n, 4n].map((i) => parseAddress("2001:db8::")!.value + i);
          for (let protocol = 0; protocol <= 4; protocol++)
            for (let port = 0; port <= 4; port++)
              for (const address of addresses) {
                const expected = holds(b, family, protocol, port, address) && !others.some((o) => holds(o, family, protocol, port, address));
                const count = parts.filter((p) => holds(p, family, protocol, port, address)).length;
                if (count !== (expected ? 1 : 0)) fail(`${family} ${protocol}/${port}/${address}: in ${count} parts, expected ${expected ? 1 : 0}`);
              }
        }
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Address sets

describe("address sets agree with plain membership", () => {
  const UNIVERSE: Record<Family, { base: bigint; top: bigint; name: string }> = {
    IPv4: { base: parseAddress("10.0.0.0")!.value, top: (1n << 32n) - 1n, name: "10.0.0.0" },
    IPv6: { base: parseAddress("2001:db8::")!.value, top: (1n << 128n) - 1n, name: "2001:db8::" },
  };
  /** A CIDR of the universe's 16 addresses as text. */
  const cidrText = (family: Family, offset: number, length: number) => {
    const bits = family === "IPv4" ? 32 : 128;
    const { base } = UNIVERSE[family];
    const size = 1 << (bits - length);
    const lo = base + BigInt(Math.floor(offset / size) * size);
    return `${family === "IPv4" ? [24, 16, 8, 0].map((s) => Number((lo >> BigInt(s)) & 255n)).join(".") : `2001:db8::${(lo - base).toString(16)}`}/${length}`;
  };
  const itemArb = (family: Family) => {
    const bits = family === "IPv4" ? 32 : 128;
    return fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .record({ offset: fc.integer({ min: 0, max: 15 }), length: fc.integer({ min: bits - 4, max: bits }) })
          .map((c) => ({ cidr: cidrText(family, c.offset, c.length) })),
      },
      {
        weight: 6,
        arbitrary: fc
          .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }))
          .map(([a, b]) => ({ range: [UNIVERSE[family].base + BigInt(Math.min(a, b)), UNIVERSE[family].base + BigInt(Math.max(a, b))] as Range })),
      },
      // Now and then the edges of the family: everything, or the top address.
      {
        weight: 1,
        arbitrary: fc.constantFrom(
          { cidr: family === "IPv4" ? "0.0.0.0/0" : "::/0" },
          { cidr: family === "IPv4" ? "255.255.255.255/32" : "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
        ),
      },
    );
  };
  type Item = { cidr: string } | { range: Range };
  const setArb = (family: Family) => fc.array(itemArb(family), { maxLength: 4 });
  const makeSet = (family: Family, items: Item[]): AddressSet =>
    setOf(family, [
      ...items.flatMap((i) => ("range" in i ? [i.range] : [])),
      ...setOfCidrs(
        family,
        items.flatMap((i) => ("cidr" in i ? [i.cidr] : [])),
      ).ranges,
    ]);
  const member = (items: Item[], a: bigint) =>
    items.some((i) => {
      const [lo, hi] = "range" in i ? i.range : [rangeOf(i.cidr).lo, rangeOf(i.cidr).hi];
      return lo <= a && a <= hi;
    });
  const normal = (s: AddressSet, family: Family) => {
    expect(s.family).toBe(family);
    s.ranges.forEach(([lo, hi], i) => {
      expect(lo <= hi && lo >= 0n && hi <= UNIVERSE[family].top).toBe(true);
      if (i > 0) expect(lo > s.ranges[i - 1]![1] + 1n).toBe(true);
    });
  };

  for (const family of ["IPv4", "IPv6"] as const) {
    it(`${family}: union, intersect, subtract, complement, containsSet, hasAddress, isEmpty, sameSet, and cidrsOf read back`, () => {
      const { base, top } = UNIVERSE[family];
      // Every address of the universe, its neighbours and the ends of the family (sets are constant in between).
      const points = [0n, base - 1n, ...Array.from({ length: 16 }, (_, i) => base + BigInt(i)), base + 16n, top - 1n, top];
      fc.assert(
        fc.property(setArb(family), setArb(family), (ia, ib) => {
          const a = makeSet(family, ia);
          const b = makeSet(family, ib);
          const ops = { union: union(a, b), intersect: intersect(a, b), subtract: subtract(a, b), complement: complement(a) };
          for (const s of [a, b, ...Object.values(ops)]) normal(s, family);
          for (const x of points) {
            const ina = member(ia, x);
            const inb = member(ib, x);
            const got = [
              hasAddress(a, x),
              hasAddress(ops.union, x),
              hasAddress(ops.intersect, x),
              hasAddress(ops.subtract, x),
              hasAddress(ops.complement, x),
            ];
            const want = [ina, ina || inb, ina && inb, ina && !inb, !ina];
            if (got.join() !== want.join()) fail(`${x}: got ${got.join()}, want ${want.join()}`);
          }
          expect(containsSet(a, b)).toBe(points.every((x) => !member(ib, x) || member(ia, x)));
          expect(isEmpty(a)).toBe(!points.some((x) => member(ia, x)));
          expect(sameSet(a, b)).toBe(points.every((x) => member(ia, x) === member(ib, x)));
          expect(sameSet(complement(ops.complement), a)).toBe(true);
          expect(sameSet(union(ops.subtract, ops.intersect), a)).toBe(true);
          const cidrs = cidrsOf(a);
          for (const c of cidrs) expect(parseCidr(c)).toMatchObject({ kind: "network", cidr: c });
          for (let i = 1; i < cidrs.length; i++) expect(rangeOf(cidrs[i]!).lo > rangeOf(cidrs[i - 1]!).hi).toBe(true);
          expect(sameSet(setOfCidrs(family, cidrs), a)).toBe(true);
          expect(sameSet(setOfCidrs(family, cidrsOf(ops.complement)), ops.complement)).toBe(true);
        }),
        { numRuns: RUNS },
      );
      expect(complement(fullSet(family))).toEqual(emptySet(family));
      expect(complement(emptySet(family))).toEqual(fullSet(family));
    });
  }
});
