/**
 * The `fleet` test program's expectations: what the backend must hold after an `up` of a fleet,
 * compared object by object (no duplicates, no orphans), and helpers to run fleets concurrently
 * and to kill the provider in the middle of one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PostgresBackend } from "../../provider/backends/postgres";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type { ServerRecord, StateBackend } from "../../provider/backends/types";
import type { CliResult, TestStack } from "./harness";

/** The backend at `url` (sqlite:ABSOLUTE_PATH or postgres://…), opened from the test process. */
export function openTestBackend(url: string): StateBackend {
  return url.startsWith("sqlite:") ? new SqliteBackend(url.slice("sqlite:".length)) : new PostgresBackend(url);
}

/** The size of one fleet (see test/e2e/programs/fleet/index.ts). */
export interface FleetShape {
  prefix: string;
  groups: number;
  rulesPerGroup: number;
  servers: number;
  attachPerServer: number;
  /** Ids of servers that exist already (made by the compute service on a real Neutron): read, not made; no network. */
  serverIds?: string[];
}

/** The stack config that makes the fleet program build `shape`. */
export function fleetConfig(shape: FleetShape): Record<string, string> {
  return {
    "fleet:prefix": shape.prefix,
    "fleet:groups": String(shape.groups),
    "fleet:rulesPerGroup": String(shape.rulesPerGroup),
    "fleet:servers": String(shape.servers),
    "fleet:attachPerServer": String(shape.attachPerServer),
    ...(shape.serverIds ? { "fleet:serverIds": JSON.stringify(shape.serverIds) } : {}),
  };
}

/** How many backend objects the fleet makes (groups, user rules, network, servers, attachments). */
export function fleetSize(s: FleetShape): number {
  const made = s.serverIds ? s.servers * s.attachPerServer : s.servers > 0 ? 1 + s.servers * (1 + s.attachPerServer) : 0;
  return s.groups * (1 + s.rulesPerGroup) + made;
}

/** The fleet's servers in the backend, named as the program names them (existing servers by their index in `serverIds`). */
async function fleetServers(backend: StateBackend, project: string, prefix: string, serverIds?: string[]): Promise<ServerRecord[]> {
  const servers = await backend.listServers(project);
  if (!serverIds) return servers.filter((s) => s.name.startsWith(`${prefix}-`));
  return servers.filter((s) => serverIds.includes(s.id)).map((s) => ({ ...s, name: `${prefix}-s${serverIds.indexOf(s.id)}` }));
}

/** How many of the fleet's objects the backend holds now (default rules not counted). */
export async function fleetObjects(backend: StateBackend, project: string, prefix: string, serverIds?: string[]): Promise<number> {
  const groups = (await backend.listGroups(project)).filter((g) => g.name.startsWith(`${prefix}-`));
  const ids = new Set(groups.map((g) => g.id));
  const rules = (await backend.listRules(project)).filter((r) => ids.has(r.securityGroupId) && !r.isDefault);
  const servers = await fleetServers(backend, project, prefix, serverIds);
  const ofServers = new Set(servers.map((s) => s.id));
  // Only the fleet's groups: an existing server also has the group it was launched with.
  const attachments = (await backend.listAttachments(project)).filter((a) => ofServers.has(a.serverId) && ids.has(a.securityGroupId));
  if (serverIds) return groups.length + rules.length + attachments.length;
  const network = (await backend.getNetwork(project, `${prefix}-net`)) ? 1 : 0;
  return groups.length + rules.length + servers.length + attachments.length + network;
}

/**
 * Every way the backend differs from what the fleet program declares: missing or extra groups,
 * rules, servers and attachments (by their identifying fields), and integrity problems. [] = exact.
 */
export async function fleetMismatches(backend: StateBackend, project: string, s: FleetShape): Promise<string[]> {
  const problems: string[] = [];
  const same = (what: string, actual: string[], expected: string[]) => {
    const a = [...actual].sort();
    const e = [...expected].sort();
    if (JSON.stringify(a) !== JSON.stringify(e)) problems.push(`${what}: expected ${JSON.stringify(e)}, found ${JSON.stringify(a)}`);
  };
  const groups = (await backend.listGroups(project)).filter((g) => g.name.startsWith(`${s.prefix}-`));
  same(
    "groups",
    groups.map((g) => g.name),
    Array.from({ length: s.groups }, (_, i) => `${s.prefix}-g${i}`),
  );
  const byName = new Map(groups.map((g) => [g.name, g]));
  for (let i = 0; i < s.groups; i++) {
    const g = byName.get(`${s.prefix}-g${i}`);
    if (!g) continue;
    const rules = await backend.listRules(project, g.id);
    same(
      `default rules of ${g.name}`,
      rules.filter((r) => r.isDefault).map((r) => `${r.direction} ${r.ethertype}`),
      ["egress IPv4", "egress IPv6"],
    );
    same(
      `rules of ${g.name}`,
      rules.filter((r) => !r.isDefault).map((r) => `${r.protocol} ${r.portRangeMin}-${r.portRangeMax} ${r.remoteIpPrefix}`),
      Array.from({ length: s.rulesPerGroup }, (_, j) => `tcp ${1000 + j}-${1000 + j} 10.${i}.0.0/16`),
    );
  }
  const servers = await fleetServers(backend, project, s.prefix, s.serverIds);
  same(
    "servers",
    servers.map((x) => x.name),
    Array.from({ length: s.servers }, (_, k) => `${s.prefix}-s${k}`),
  );
  const net = await backend.getNetwork(project, `${s.prefix}-net`);
  same("networks", net ? [net.name] : [], s.servers > 0 && !s.serverIds ? [`${s.prefix}-net`] : []);
  const serverName = new Map(servers.map((x) => [x.id, x.name]));
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  // The fleet's attachments (an existing server also has the group it was launched with).
  const attachments = (await backend.listAttachments(project)).filter((a) => serverName.has(a.serverId) && groupName.has(a.securityGroupId));
  same(
    "attachments",
    attachments.map((a) => `${serverName.get(a.serverId)} <- ${groupName.get(a.securityGroupId) ?? a.securityGroupId}`),
    Array.from({ length: s.servers }, (_, k) => Array.from({ length: s.attachPerServer }, (_, a) => `${s.prefix}-s${k} <- ${s.prefix}-g${a}`)).flat(),
  );
  for (const x of servers) {
    for (const p of x.ports) {
      same(
        `groups on ${x.name}'s port`,
        p.securityGroupIds.map((id) => groupName.get(id) ?? "(not of the fleet)"),
        ["(not of the fleet)", ...Array.from({ length: s.attachPerServer }, (_, a) => `${s.prefix}-g${a}`)],
      );
    }
  }
  problems.push(...(await backend.checkIntegrity()).map((p) => `integrity: ${p}`));
  return problems;
}

/** Writes a copy of the openstack profile with room for many stacks in one project; its path. */
export function roomyProfile(dir: string): string {
  const profile = JSON.parse(fs.readFileSync(path.join(__dirname, "../../provider/profiles/openstack.json"), "utf8"));
  profile.quotas = { groups: 1000, rules: 100000 };
  const file = path.join(dir, "roomy-profile.json");
  fs.writeFileSync(file, JSON.stringify(profile, null, 2));
  return file;
}

/** Pids of every process below `pid` (from /proc). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** The command line of a process, or "" if it is gone. */
export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

/**
 * Starts `pulumi up` of `stack` and waits until the fleet `prefix` of `project` has `target`
 * objects in `backend`, or the up ended first. The up goes on; `ended` says whether it already had.
 */
export async function upUntilObjects(
  stack: TestStack,
  backend: StateBackend,
  project: string,
  prefix: string,
  target: number,
): Promise<{ up: { pid: number; result: Promise<CliResult> }; ended: () => boolean }> {
  const up = stack.start(["up", "--yes", "--skip-preview", "--config-file", stack.configFile]);
  let done = false;
  void up.result.then(() => {
    done = true;
  });
  let seen = 0;
  while (!done && seen < target) {
    seen = await fleetObjects(backend, project, prefix).catch(() => seen);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { up, ended: () => done };
}
