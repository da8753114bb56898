/**
 * Figure 5: the same program of N resources (bench/programs/ours, its servers given) applied with
 * `pulumi up --yes --skip-preview`, then removed with `pulumi destroy --yes --skip-preview`, on a
 * real Neutron (the openstack backend; tools/neutron.ts, noauth, on a private PostgreSQL) and on
 * the embedded SQLite backend, alternating, a fresh stack and project per repetition.
 *
 * Servers cannot be created on the openstack backend (they are the compute service's), so on both
 * sides the bench makes them before the program runs and passes their ids as `bench:serverIds`; the
 * program reads them with `Server.get`. On Neutron a server is its compute port: POST /v2.0/ports
 * with device_owner `compute:nova`, a fresh device_id and the project, on a network of the project
 * (Neutron gives the port the project's `default` group, as Nova's launch does). On SQLite the
 * servers are created through the backend's API on the built-in network (they get the profile's
 * launch group, `default`). Both sides then time the same groups, rules and attachments, and the
 * same reads of the servers.
 */
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "pg";
import { NoAuth } from "../provider/backends/openstack/auth";
import { OpenstackBackend } from "../provider/backends/openstack/backend";
import { SqliteBackend } from "../provider/backends/sqlite";
import type { StateBackend } from "../provider/backends/types";
import { attachmentPolicy, projectSetup } from "../provider/domain/profiles";
import { loadProfile } from "../provider/profileLoader";
import { neutronVenvPython, startNeutron, type NeutronServer } from "../tools/neutron";
import { stateCensus, writeRoomyProfile } from "./engine";
import { mixOf } from "./mix";
import { BenchStack, REPO, workDir } from "./stack";

/** The two backends under comparison. */
export type Side = "openstack" | "embedded";

/** Neutron's quotas off: the roomy profile's quotas are the ones checked, on both sides. */
export const UNLIMITED_QUOTAS = "[quotas]\nquota_security_group = -1\nquota_security_group_rule = -1\nquota_port = -1\n";
/** The clouds.yaml entry the openstack stacks name (`secgroups:backend` = openstack://CLOUD). */
const CLOUD = "bench-neutron";

/** What one repetition on one side measured. */
export interface OpenstackSample {
  side: Side;
  n: number;
  rep: number;
  upMs: number;
  destroyMs: number;
  /** Resources per type in the state after `up` (the servers are the ones read with Server.get). */
  mix: Record<string, number>;
}

/** The whole figure's run: its samples, what ran the Neutron, and how long starting it took. */
export interface OpenstackRun {
  samples: OpenstackSample[];
  versions: Record<string, string>;
  neutronStartSeconds: number;
}

/** A fresh project id, as Keystone writes them (32 hex digits). */
function newProject(): string {
  return randomUUID().replaceAll("-", "");
}

/** A call to Neutron's API (noauth) that must answer `status`; the body it answered. */
async function neutronCall(url: string, method: string, route: string, status: number, body?: unknown): Promise<any> {
  const res = await fetch(`${url}/v2.0${route}`, {
    method,
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== status) throw new Error(`Neutron ${method} ${route}: HTTP ${res.status}, not ${status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The servers of `project` on Neutron: a network of the project and one compute port per server; their ids and ports. */
async function neutronServers(
  neutron: NeutronServer,
  project: string,
  count: number,
): Promise<{ serverIds: string[]; portIds: string[]; networkId: string }> {
  const network = await new OpenstackBackend(new NoAuth(neutron.url)).createNetwork(project, "bench-net", ["10.64.0.0/16"]);
  const serverIds: string[] = [];
  const portIds: string[] = [];
  for (let k = 0; k < count; k++) {
    const deviceId = randomUUID();
    // No security_groups: Neutron gives the port the project's default group, as a launch by Nova does.
    const { port } = await neutronCall(neutron.url, "POST", "/ports", 201, {
      port: { name: `bench-s${k}`, network_id: network.id, project_id: project, device_owner: "compute:nova", device_id: deviceId },
    });
    serverIds.push(deviceId);
    portIds.push(port.id);
  }
  return { serverIds, portIds, networkId: network.id };
}

/** The servers of `project` in the SQLite backend `file`, made through its API (ACTIVE at once, launch group `default`); their ids. */
async function sqliteServers(file: string, profileFile: string, project: string, count: number): Promise<string[]> {
  const profile = loadProfile(profileFile, REPO);
  const backend = new SqliteBackend(file);
  try {
    await backend.ensureProject(project, projectSetup(profile));
    const ids: string[] = [];
    for (let k = 0; k < count; k++) {
      const server = await backend.createServer(
        { project, name: `bench-s${k}`, networks: ["public"], securityGroupIds: [], bootSeconds: 0 },
        attachmentPolicy(profile),
      );
      ids.push(server.id);
    }
    return ids;
  } finally {
    await backend.close();
  }
}

/**
 * What `project` holds of the program in `backend`: its groups (the project's `default` aside), their
 * rules other than the default ones, and attachments of its groups.
 */
async function holdings(backend: StateBackend, project: string): Promise<{ groups: number; rules: number; attachments: number }> {
  const groups = new Set((await backend.listGroups(project)).filter((g) => g.name !== "default").map((g) => g.id));
  const rules = (await backend.listRules(project)).filter((r) => groups.has(r.securityGroupId) && !r.isDefault).length;
  const attachments = (await backend.listAttachments(project)).filter((a) => groups.has(a.securityGroupId)).length;
  return { groups: groups.size, rules, attachments };
}

/** Fails unless the backend `open` opens holds exactly `expected` of the program in `project`. */
async function expectHoldings(
  open: () => StateBackend,
  project: string,
  expected: { groups: number; rules: number; attachments: number },
  label: string,
): Promise<void> {
  const backend = open();
  try {
    const held = await holdings(backend, project);
    if (held.groups !== expected.groups || held.rules !== expected.rules || held.attachments !== expected.attachments)
      throw new Error(`${label}: the backend holds ${JSON.stringify(held)}, not ${JSON.stringify(expected)}`);
  } finally {
    await backend.close();
  }
}

/** One repetition on one side: servers made, then the program's `up` and `destroy` timed on a fresh stack. */
async function runOnce(side: Side, n: number, rep: number, neutron: NeutronServer, cloudsFile: string): Promise<OpenstackSample> {
  const mix = mixOf(n);
  const project = newProject();
  const stack = await BenchStack.create("ours", { "bench:n": String(n), "secgroups:project": project }, { OS_CLIENT_CONFIG_FILE: cloudsFile });
  const label = `${side} N=${n} rep ${rep + 1}`;
  let ports: string[] = [];
  try {
    const profileFile = writeRoomyProfile(stack.dir);
    await stack.must(["config", "set", "secgroups:profile", profileFile]);
    let serverIds: string[];
    /** The backend as the bench reads it (opened while no provider runs). */
    let open: () => StateBackend;
    if (side === "openstack") {
      await stack.must(["config", "set", "secgroups:backend", `openstack://${CLOUD}`]);
      const made = await neutronServers(neutron, project, mix.servers);
      serverIds = made.serverIds;
      ports = made.portIds;
      open = () => new OpenstackBackend(new NoAuth(neutron.url));
    } else {
      const file = path.join(stack.dir, "cloud.db");
      await stack.must(["config", "set", "secgroups:backend", `sqlite:${file}`]);
      serverIds = await sqliteServers(file, profileFile, project, mix.servers);
      open = () => new SqliteBackend(file);
    }
    await stack.must(["config", "set", "bench:serverIds", serverIds.join(",")]);
    const up = await stack.must(["up", "--yes", "--skip-preview"]);
    const census = await stateCensus(stack, label, n);
    const { servers: _given, ...made } = mix;
    await expectHoldings(open, project, made, `${label} after up`);
    const destroy = await stack.must(["destroy", "--yes", "--skip-preview"]);
    await expectHoldings(open, project, { groups: 0, rules: 0, attachments: 0 }, `${label} after destroy`);
    return { side, n, rep, upMs: up.ms, destroyMs: destroy.ms, mix: census.mix };
  } finally {
    stack.discard();
    // The servers go too, so that every repetition finds Neutron as the first did (the network stays: one row).
    for (const port of ports) await neutronCall(neutron.url, "DELETE", `/ports/${port}`, 204).catch(() => undefined);
  }
}

/** The versions of what serves the openstack side: Neutron and its libraries, Keystone, gunicorn, Python, PostgreSQL. */
export async function versions(neutron: NeutronServer): Promise<Record<string, string>> {
  const python = await neutronVenvPython();
  const script = [
    "import json, platform",
    "from importlib.metadata import version",
    'print(json.dumps({d: version(d) for d in ["neutron", "neutron-lib", "keystone", "gunicorn", "psycopg2-binary"]} | {"python": platform.python_version()}))',
  ].join("\n");
  const out = await new Promise<string>((resolve, reject) =>
    execFile(python, ["-c", script], { encoding: "utf8" }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  const client = new Client({ connectionString: neutron.postgres.url });
  await client.connect();
  try {
    const pg = await client.query<{ server_version: string }>("SHOW server_version");
    return { ...(JSON.parse(out) as Record<string, string>), postgresql: pg.rows[0]!.server_version };
  } finally {
    await client.end();
  }
}

/**
 * Starts a Neutron with its quotas off, then runs every repetition on both sides, alternating
 * which goes first; stops the Neutron.
 */
export async function runOpenstack(n: number, reps: number, log: (line: string) => void): Promise<OpenstackRun> {
  const neutron = await startNeutron({ extraNeutronConf: UNLIMITED_QUOTAS });
  try {
    log(`  Neutron on ${neutron.url}, started in ${neutron.timings.total} s`);
    const cloudsFile = path.join(workDir("openstack"), "clouds.yaml");
    fs.writeFileSync(cloudsFile, `clouds:\n  ${CLOUD}:\n    auth_type: none\n    auth:\n      endpoint: ${neutron.url}\n`);
    const samples: OpenstackSample[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const order: Side[] = rep % 2 === 0 ? ["openstack", "embedded"] : ["embedded", "openstack"];
      for (const side of order) {
        const s = await runOnce(side, n, rep, neutron, cloudsFile);
        log(`openstack rep ${rep + 1}/${reps} N=${n} ${side}: up ${(s.upMs / 1000).toFixed(1)} s, destroy ${(s.destroyMs / 1000).toFixed(1)} s`);
        samples.push(s);
      }
    }
    return { samples, versions: await versions(neutron), neutronStartSeconds: neutron.timings.total };
  } finally {
    await neutron.stop();
  }
}
