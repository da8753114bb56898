/**
 * Findings: what in a project's effective access a reviewer should look at, each with a severity,
 * the server, port, group and rule it is about, and the fix. Pure, over `evaluateExposure`'s result.
 */
import { coversInternet, describeSet, fullSet, intersect, isEmpty, publicSpace, setOfCidrs, subtract, touchesInternet } from "./addressSet";
import { boxMinus, type Box } from "./boxes";
import { parseAddress, type Family } from "./cidr";
import { describeTraffic, ruleLabel, ruleTraffic, trafficHolds, type ExposureModel, type Piece, type PortAccess } from "./exposure";
import type { RuleFields } from "./model";

/** How bad a finding is, worst first. */
export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
/** A severity. */
export type Severity = (typeof SEVERITIES)[number];

/** Stable finding codes: tools and `--fail-on` match on them. */
export type FindingCode =
  | "any-protocol-from-internet"
  | "all-ports-from-internet"
  | "admin-port-from-internet"
  | "rule-without-remote"
  | "group-chain-to-internet"
  | "unused-group"
  | "near-quota";

/** One finding. Server and port fields are absent for findings about a group or the project. */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  serverName?: string;
  networkName?: string;
  fixedIp?: string | null;
  /** The IP family of the traffic, for findings about a port. */
  family?: Family;
  groupId?: string;
  groupName?: string;
  /** Which quota a near-quota finding is about. */
  quota?: "groups" | "rules" | "rulesPerGroup";
  ruleId?: string;
  /** The traffic concerned, e.g. `tcp 22`. */
  traffic?: string;
  message: string;
  fix: string;
}

/** Ports that administer a machine or hold data: never open to the whole internet. */
export const ADMIN_PORTS: readonly AdminPort[] = [
  { protocol: 6, port: 21, service: "FTP" },
  { protocol: 6, port: 22, service: "SSH" },
  { protocol: 6, port: 23, service: "Telnet" },
  { protocol: 6, port: 135, service: "MS RPC" },
  { protocol: 6, port: 445, service: "SMB" },
  { protocol: 6, port: 1433, service: "SQL Server" },
  { protocol: 6, port: 1521, service: "Oracle" },
  { protocol: 6, port: 2375, service: "Docker API" },
  { protocol: 6, port: 2376, service: "Docker API (TLS)" },
  { protocol: 6, port: 2379, service: "etcd" },
  { protocol: 6, port: 2380, service: "etcd (peers)" },
  { protocol: 6, port: 3306, service: "MySQL" },
  { protocol: 6, port: 3389, service: "RDP" },
  { protocol: 6, port: 5432, service: "PostgreSQL" },
  { protocol: 6, port: 5601, service: "Kibana" },
  { protocol: 6, port: 5900, service: "VNC" },
  { protocol: 6, port: 5984, service: "CouchDB" },
  { protocol: 6, port: 5985, service: "WinRM" },
  { protocol: 6, port: 5986, service: "WinRM (HTTPS)" },
  { protocol: 6, port: 6379, service: "Redis" },
  { protocol: 6, port: 6443, service: "Kubernetes API" },
  { protocol: 6, port: 9042, service: "Cassandra" },
  { protocol: 6, port: 9200, service: "Elasticsearch" },
  { protocol: 6, port: 10250, service: "kubelet" },
  { protocol: 6, port: 11211, service: "memcached" },
  { protocol: 6, port: 27017, service: "MongoDB" },
  { protocol: 17, port: 161, service: "SNMP" },
  { protocol: 17, port: 11211, service: "memcached" },
];

/** One admin or data port, as a policy's configuration names it: `tcp/22`, `udp/161`. */
export interface AdminPort {
  protocol: number;
  port: number;
  service: string;
}

/** A rule's fields that say what traffic it allows from where (canonical: no protocol = any). */
export type RuleReach = Pick<
  RuleFields,
  "direction" | "ethertype" | "protocol" | "portRangeMin" | "portRangeMax" | "remoteIpPrefix" | "remoteGroupId" | "remoteSubnetId"
>;

/**
 * The admin ports one ingress rule opens to the internet on its own: its remote is the whole
 * internet (no remote at all, or a /0) — or, when `allowedCidrs` are given, any public address
 * outside them. A remote group or subnet is not the internet (the stack's exposure finding judges
 * those, with every rule of a port together).
 */
export function adminPortsOpenedBy(
  rule: RuleReach,
  adminPorts: readonly AdminPort[] = ADMIN_PORTS,
  allowedCidrs: readonly string[] = [],
): AdminPort[] {
  if (rule.direction !== "ingress" || rule.remoteGroupId !== null || rule.remoteSubnetId !== null) return [];
  const family = rule.ethertype;
  const addresses = rule.remoteIpPrefix === null ? fullSet(family) : setOfCidrs(family, [rule.remoteIpPrefix]);
  const allowed = allowedCidrs.filter((c) => parseAddress(c.split("/")[0]!)?.family === family);
  const open = allowedCidrs.length
    ? !isEmpty(subtract(intersect(addresses, publicSpace(family)), setOfCidrs(family, allowed)))
    : coversInternet(addresses);
  if (!open) return [];
  const t = ruleTraffic({ ...rule, protocol: rule.protocol });
  return adminPorts.filter((p) => t.protocols[0] <= p.protocol && p.protocol <= t.protocols[1] && t.ports[0] <= p.port && p.port <= t.ports[1]);
}

/**
 * Whether one egress rule lets traffic out to the whole internet (no remote, or a /0): what the
 * peers' public-egress checks report. Not a finding of `secgroups exposure` (every profile's new
 * groups egress anywhere); the policy pack reports it for the rules a program writes.
 */
export function egressToInternet(rule: RuleReach): boolean {
  if (rule.direction !== "egress" || rule.remoteGroupId !== null || rule.remoteSubnetId !== null) return false;
  return coversInternet(rule.remoteIpPrefix === null ? fullSet(rule.ethertype) : setOfCidrs(rule.ethertype, [rule.remoteIpPrefix]));
}

/**
 * The ports of `model` that carry no group on a network whose ports take groups (a server the
 * peers call "without a security group"). Under a profile with a launch group every port has one;
 * under rackspace a server has none until its attachments.
 */
export function portsWithoutGroup(model: ExposureModel): Array<{ serverName: string; networkName: string; fixedIp: string | null }> {
  return model.servers.flatMap((s) =>
    s.ports
      .filter((p) => p.securityGroupIds.length === 0 && (model.attachableNetworks === undefined || model.attachableNetworks.includes(p.networkName)))
      .map((p) => ({ serverName: s.name, networkName: p.networkName, fixedIp: p.fixedIp })),
  );
}

/** Share of a quota from which `near-quota` is reported. */
export const QUOTA_WARNING = 0.8;

const FAMILIES: readonly Family[] = ["IPv4", "IPv6"];

/** What the findings need besides the ports: the model, and which groups are the profile's own. */
export interface FindingsInput {
  model: ExposureModel;
  accesses: readonly PortAccess[];
  /** Names of the profile's default groups (never reported unused). */
  defaultGroupNames: readonly string[];
  quotas: { groups?: number; rules?: number; rulesPerGroup?: number };
  /** The admin and data ports never to open to the internet (default ADMIN_PORTS). */
  adminPorts?: readonly AdminPort[];
}

function portFields(a: PortAccess): Pick<Finding, "serverName" | "networkName" | "fixedIp"> {
  return { serverName: a.serverName, networkName: a.networkName, fixedIp: a.fixedIp };
}

/** `web-1 (public 203.0.113.2)`. */
export function portLabel(a: Pick<PortAccess, "serverName" | "networkName" | "fixedIp">): string {
  return `${a.serverName} (${a.networkName} ${a.fixedIp ?? "address known after apply"})`;
}

/**
 * The ingress pieces of port `a` that let public addresses of `family` send `protocols`/`ports`,
 * when together (the union of their boxes, not only of their addresses) they let the whole internet
 * send all of it; undefined otherwise.
 */
export function openToInternet(
  a: PortAccess,
  family: Family,
  protocols: readonly [number, number],
  ports: readonly [number, number],
): Piece[] | undefined {
  const target: Box = { family, protocols, ports, addresses: publicSpace(family) };
  const pieces = a.ingress.filter(
    (p) =>
      p.family === family &&
      p.protocols[0] <= protocols[1] &&
      protocols[0] <= p.protocols[1] &&
      p.ports[0] <= ports[1] &&
      ports[0] <= p.ports[1] &&
      touchesInternet(p.addresses),
  );
  return pieces.length && !boxMinus(target, pieces).length ? pieces : undefined;
}

/** The group and rule a port finding names: the first of the rules behind it (the message lists them all). */
function ruleFields(pieces: readonly Piece[]): Pick<Finding, "groupId" | "groupName" | "ruleId"> {
  return { groupId: pieces[0]!.groupId, groupName: pieces[0]!.groupName, ruleId: pieces[0]!.ruleId };
}

/** The fix for traffic opened to the internet by `pieces`. */
function narrowFix(pieces: readonly Piece[], traffic: string): string {
  const rules = pieces.map((p) => `${p.ruleId} (group ${p.groupName})`).join(", ");
  return `replace rule ${rules} with one that allows ${traffic} only from the networks that need it (a bastion or VPN CIDR, or a remote group)`;
}

/** Every finding of the project, worst first, then by server, network and code. */
export function findingsOf(input: FindingsInput): Finding[] {
  const { model, accesses } = input;
  const out: Finding[] = [];
  for (const a of accesses) {
    for (const family of FAMILIES) {
      const here = { ...portFields(a), family };
      const any = openToInternet(a, family, [0, 255], [0, 65535]);
      if (any) {
        out.push({
          code: "any-protocol-from-internet",
          severity: "critical",
          ...here,
          ...ruleFields(any),
          traffic: "any protocol",
          message: `${portLabel(a)} accepts every protocol on every port from the whole ${family} internet (${any.map(ruleLabel).join("; ")})`,
          fix: narrowFix(any, "the protocols and ports the server serves"),
        });
        continue;
      }
      const allPorts = new Set<number>();
      for (const [protocol, name] of [
        [6, "tcp"],
        [17, "udp"],
      ] as const) {
        const all = openToInternet(a, family, [protocol, protocol], [1, 65535]);
        if (!all) continue;
        allPorts.add(protocol);
        out.push({
          code: "all-ports-from-internet",
          severity: "high",
          ...here,
          ...ruleFields(all),
          traffic: `${name} (all ports)`,
          message: `${portLabel(a)} accepts ${name} on every port from the whole ${family} internet (${all.map(ruleLabel).join("; ")})`,
          fix: narrowFix(all, `only the ${name} ports the server serves`),
        });
      }
      for (const admin of input.adminPorts ?? ADMIN_PORTS) {
        if (allPorts.has(admin.protocol)) continue;
        const open = openToInternet(a, family, [admin.protocol, admin.protocol], [admin.port, admin.port]);
        if (!open) continue;
        const traffic = describeTraffic({ protocols: [admin.protocol, admin.protocol], ports: [admin.port, admin.port] });
        out.push({
          code: "admin-port-from-internet",
          severity: "high",
          ...here,
          ...ruleFields(open),
          traffic,
          message: `${portLabel(a)} accepts ${traffic} (${admin.service}) from the whole ${family} internet (${open.map(ruleLabel).join("; ")})`,
          fix: narrowFix(open, traffic),
        });
      }
    }
  }

  // Rules with no remote: every address, whether the author meant it or not.
  const groupsById = new Map(model.groups.map((g) => [g.id, g]));
  const carriersOf = new Map<string, Set<string>>();
  for (const a of accesses) for (const g of a.groups) carriersOf.set(g.id, (carriersOf.get(g.id) ?? new Set()).add(a.serverName));
  for (const r of model.rules) {
    if (r.direction !== "ingress" || r.remoteIpPrefix !== null || r.remoteGroupId !== null || r.remoteSubnetId !== null) continue;
    const group = groupsById.get(r.securityGroupId);
    if (!group) continue;
    const carriers = [...(carriersOf.get(group.id) ?? [])];
    const any = r.ethertype === "IPv4" ? "0.0.0.0/0" : "::/0";
    const traffic = describeTraffic(ruleTraffic(r));
    out.push({
      code: "rule-without-remote",
      severity: "medium",
      family: r.ethertype,
      groupId: group.id,
      groupName: group.name,
      ruleId: r.id,
      traffic,
      message:
        `rule ${r.id} of group ${group.name} allows ${traffic} in with no remote, which means every ${r.ethertype} address (${any})` +
        (carriers.length ? `; servers with the group: ${carriers.join(", ")}` : "; no server carries the group yet"),
      fix: `set remoteIpPrefix to the network that needs it, or to ${any} if the whole internet is meant (so reviewers see it)`,
    });
  }

  out.push(...chainFindings(accesses, input.adminPorts ?? ADMIN_PORTS));

  // Groups nothing uses: on no port and named by no rule.
  const referenced = new Set(model.rules.map((r) => r.remoteGroupId).filter((id) => id !== null));
  for (const g of [...model.groups].sort((x, y) => x.name.localeCompare(y.name))) {
    if (carriersOf.has(g.id) || referenced.has(g.id) || input.defaultGroupNames.includes(g.name)) continue;
    out.push({
      code: "unused-group",
      severity: "low",
      groupId: g.id,
      groupName: g.name,
      message: `group ${g.name} (${g.id}) is on no server port and no rule names it`,
      fix: `attach it to the servers it was made for (ServerAttachment), or delete it`,
    });
  }

  // Quotas.
  const quota = (
    kind: NonNullable<Finding["quota"]>,
    used: number,
    limit: number | undefined,
    what: string,
    fix: string,
    group?: { id: string; name: string },
  ) => {
    if (limit === undefined || used < Math.ceil(limit * QUOTA_WARNING)) return;
    out.push({
      code: "near-quota",
      severity: used >= limit ? "high" : "medium",
      quota: kind,
      ...(group ? { groupId: group.id, groupName: group.name } : {}),
      message: `${what} holds ${used} of ${limit} (profile ${model.profile}); ${used >= limit ? "the next create fails with SG_QUOTA_EXCEEDED" : `${limit - used} left`}`,
      fix,
    });
  };
  quota(
    "groups",
    model.groups.length,
    input.quotas.groups,
    `project ${model.project}'s security group quota`,
    "delete unused groups or merge groups",
  );
  quota(
    "rules",
    model.rules.length,
    input.quotas.rules,
    `project ${model.project}'s rule quota`,
    "merge rules (one port range instead of single ports, one CIDR instead of several) or delete unused ones",
  );
  if (input.quotas.rulesPerGroup !== undefined) {
    const rulesOf = new Map<string, number>();
    for (const r of model.rules) rulesOf.set(r.securityGroupId, (rulesOf.get(r.securityGroupId) ?? 0) + 1);
    for (const g of [...model.groups].sort((x, y) => x.name.localeCompare(y.name))) {
      quota(
        "rulesPerGroup",
        rulesOf.get(g.id) ?? 0,
        input.quotas.rulesPerGroup,
        `group ${g.name}'s rule quota`,
        "move rules into another group, or merge rules",
        g,
      );
    }
  }

  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return out.sort(
    (x, y) =>
      rank(x.severity) - rank(y.severity) ||
      (x.serverName ?? "").localeCompare(y.serverName ?? "") ||
      (x.networkName ?? "").localeCompare(y.networkName ?? "") ||
      x.code.localeCompare(y.code) ||
      (x.traffic ?? "").localeCompare(y.traffic ?? "") ||
      (x.groupName ?? "").localeCompare(y.groupName ?? ""),
  );
}

/** How a port is reached from the internet: directly (`via` empty) or through the servers named. */
interface Reach {
  /** What the first server of the chain accepts from the internet, e.g. `tcp 80 (rule … of group web)`. */
  entry: string;
  /** Servers from the internet-facing one to the one just before this port. */
  via: string[];
}

/** Ports reached so far, by group they carry and by the family of their address, fewest hops first. */
type Reached = Map<string, PortAccess[]>;

function reachedByGroup(reach: ReadonlyMap<PortAccess, Reach>): Reached {
  const out: Reached = new Map();
  for (const port of reach.keys()) {
    const family = port.fixedIp === null ? undefined : parseAddress(port.fixedIp)?.family;
    for (const g of port.groups) {
      for (const f of family ? [family] : FAMILIES) {
        const key = `${g.id}\u0000${f}`;
        const list = out.get(key);
        if (list) list.push(port);
        else out.set(key, [port]);
      }
    }
  }
  for (const list of out.values()) list.sort((x, y) => reach.get(x)!.via.length - reach.get(y)!.via.length);
  return out;
}

/**
 * The member of the piece's remote group, on another server, that is fewest hops from the
 * internet and whose chain does not pass through `a`'s server; only members with an address of the
 * piece's family (an IPv6 rule does not let in a member that has only an IPv4 address).
 */
function closestMember(a: PortAccess, p: Piece, reach: ReadonlyMap<PortAccess, Reach>, reached: Reached): PortAccess | undefined {
  if (p.remote.kind !== "group") return undefined;
  for (const port of reached.get(`${p.remote.groupId}\u0000${p.family}`) ?? []) {
    if (port.serverId !== a.serverId && !reach.get(port)!.via.includes(a.serverName)) return port;
  }
  return undefined;
}

/**
 * Remote-group chains: a port that accepts traffic from the members of a group, one of which is a
 * server reachable from the internet (directly, or through further chains), is one compromised
 * server away from the internet. Reported on the rule that names the group; high when the rule
 * opens an admin or data port or every protocol, medium otherwise.
 */
function chainFindings(accesses: readonly PortAccess[], adminPorts: readonly AdminPort[]): Finding[] {
  const reach = new Map<PortAccess, Reach>();
  for (const a of accesses) {
    for (const p of a.ingress) {
      if (!touchesInternet(p.addresses)) continue;
      const open = openToInternet(a, p.family, p.protocols, p.ports);
      if (!open) continue;
      const from = open.length === 1 ? describeSet(p.addresses) : `the whole ${p.family} internet`;
      reach.set(a, { entry: `${describeTraffic(p)} from ${from} (${open.map(ruleLabel).join("; ")})`, via: [] });
      break;
    }
  }
  // Breadth first: each round adds the ports one more hop away.
  for (let round = 0; round < accesses.length; round++) {
    const next = new Map<PortAccess, Reach>();
    const reached = reachedByGroup(reach);
    for (const a of accesses) {
      if (reach.has(a)) continue;
      for (const p of a.ingress) {
        if (p.remote.kind !== "group") continue;
        const member = closestMember(a, p, reach, reached);
        if (member) {
          const r = reach.get(member)!;
          next.set(a, { entry: r.entry, via: [...r.via, member.serverName] });
          break;
        }
      }
    }
    if (!next.size) break;
    for (const [k, v] of next) reach.set(k, v);
  }
  const out: Finding[] = [];
  const seen = new Set<string>();
  const reached = reachedByGroup(reach);
  for (const a of accesses) {
    for (const p of a.ingress) {
      if (p.remote.kind !== "group") continue;
      const member = closestMember(a, p, reach, reached);
      if (!member) continue;
      // Traffic the whole internet may send the port anyway needs no chain to reach it.
      const direct = openToInternet(a, p.family, p.protocols, p.ports) !== undefined;
      // One finding per port, group and traffic (a group's IPv4 and IPv6 rules are one way in when member addresses are unknown).
      const key = `${a.portId}\u0000${p.groupId}\u0000${p.remote.groupId}\u0000${describeTraffic(p)}`;
      if (direct || seen.has(key)) continue;
      seen.add(key);
      const r = reach.get(member)!;
      const chain = [...r.via, member.serverName].reverse();
      const traffic = describeTraffic(p);
      const serious = (p.protocols[0] === 0 && p.protocols[1] === 255) || adminPorts.some((x) => trafficHolds(p, p.family, x.protocol, x.port));
      out.push({
        code: "group-chain-to-internet",
        severity: serious ? "high" : "medium",
        ...portFields(a),
        family: p.family,
        ...ruleFields([p]),
        traffic,
        message:
          `${portLabel(a)} accepts ${traffic} from the members of group ${p.remote.groupName} (${ruleLabel(p)}), among them ${chain.join(", which is reached from ")}, ` +
          `which accepts ${r.entry}: the internet is ${chain.length} compromised server${chain.length > 1 ? "s" : ""} away`,
        fix: `allow only the ports ${a.serverName} serves to group ${p.remote.groupName}, or take ${chain[0]} out of group ${p.remote.groupName}`,
      });
    }
  }
  return out;
}

/** True when `severity` is at least as bad as `threshold`. */
export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITIES.indexOf(severity) <= SEVERITIES.indexOf(threshold);
}
