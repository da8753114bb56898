/**
 * What the exposure property tests generate: a small universe of addresses, subnets and protocols,
 * every packet of it, and random projects (groups, rules, networks, servers and their ports) over it.
 */
import fc from "fast-check";
import { parseAddress, type Family } from "../../../provider/domain/cidr";
import {
  icmpPort,
  type ExposureModel,
  type ModelGroup,
  type ModelNetwork,
  type ModelPort,
  type ModelRule,
  type ModelServer,
  type Packet,
} from "../../../provider/domain/exposure";

export const RUNS = 200;

// ---------------------------------------------------------------------------------------------
// Universes

const V4_CIDRS = ["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.5/32", "8.8.8.0/30", "0.0.0.0/0"];
const V6_CIDRS = ["2001:db8::/126", "::/0"];
/** Subnets of the networks: inside 10.0.0.0/29, and now and then an IPv6 one (a family the IPv4 rules must ignore). */
const SUBNETS = ["10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.6/31", "10.0.0.2/32", "10.0.0.3/32", "2001:db8::/127"];
const FIXED_IPS = [...Array.from({ length: 8 }, (_, i) => `10.0.0.${i}`), "2001:db8::1", "2001:db8::2", "2001:db8::3"];
const RULE_PROTOCOLS = [null, "tcp", "udp", "icmp", "47", "200"] as const;

/** Remote addresses every packet of the universe comes from (ingress) or goes to (egress). */
export const PACKET_ADDRESSES: Record<Family, string[]> = {
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
export const PACKETS: Packet[] = [...packetsOf("IPv4"), ...packetsOf("IPv6")];
export const DIRECTIONS = ["ingress", "egress"] as const;
export type Direction = (typeof DIRECTIONS)[number];

// ---------------------------------------------------------------------------------------------
// Generators

/** Servers, ports (no groups yet), networks and groups: what two variants of a project share. */
export interface World {
  groups: ModelGroup[];
  networks: ModelNetwork[];
  servers: ModelServer[];
}
/** What may change between two evaluations: the rules and the groups on each port (flat port order). */
export interface Variant {
  rules: ModelRule[];
  portGroups: string[][];
}

const groupsArb: fc.Arbitrary<ModelGroup[]> = fc
  .array(fc.record({ name: fc.constantFrom("web", "app", "db", "ops"), stateful: fc.boolean() }), { minLength: 1, maxLength: 4 })
  .map((gs) => gs.map((g, i) => ({ id: `g${i}`, ...g })));

const networksArb: fc.Arbitrary<ModelNetwork[]> = fc
  .array(fc.uniqueArray(fc.constantFrom(...SUBNETS), { minLength: 1, maxLength: 2 }), { minLength: 1, maxLength: 2 })
  .map((ns) => ns.map((subnets, i) => ({ id: `n${i}`, name: `net${i}`, subnets })));

export const worldArb: fc.Arbitrary<World> = fc.tuple(groupsArb, networksArb).chain(([groups, networks]) => {
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

export function ruleArb(world: World): fc.Arbitrary<Omit<ModelRule, "id">> {
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

export function rulesArb(world: World, prefix: string, maxLength = 8): fc.Arbitrary<ModelRule[]> {
  return fc.array(ruleArb(world), { maxLength }).map((rs) => rs.map((r, i) => ({ id: `${prefix}${i}`, ...r })));
}

export function portGroupsArb(world: World): fc.Arbitrary<string[][]> {
  const count = world.servers.reduce((n, s) => n + s.ports.length, 0);
  return fc.array(fc.subarray(world.groups.map((g) => g.id)), { minLength: count, maxLength: count });
}

export function variantArb(world: World): fc.Arbitrary<Variant> {
  return fc.record({ rules: rulesArb(world, "r"), portGroups: portGroupsArb(world) });
}

export function build(world: World, v: Variant): ExposureModel {
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

export const modelArb: fc.Arbitrary<ExposureModel> = worldArb.chain((w) => variantArb(w).map((v) => build(w, v)));
