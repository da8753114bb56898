/**
 * The per-port limit under concurrency (REFERENCE.md: terraform-provider-openstack #1979, stray
 * groups left on a port by concurrent port associations). 50 attachment creates race for one
 * rackspace PublicNet port — once inside one process over several connections, once from 4
 * processes on one SQLite file: exactly 5 succeed, 45 fail with SG_LIMIT_GROUPS_PER_PORT (never
 * SQLITE_BUSY or anything else), and the port holds exactly the 5 winners. 20 repetitions each.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type { AttachmentPolicy, AttachmentRecord, ProjectSetup } from "../../provider/backends/types";
import { loadProfile, type Profile, attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { SecgroupsError } from "../../provider/errors";

const REPO = path.resolve(__dirname, "../..");
const CHILD = path.join(__dirname, "fixtures", "attachChild.js");
const PROJECT = "proj";
const PUBLICNET = "00000000-0000-0000-0000-000000000000";
const GROUPS = 50;
const LIMIT = 5;
const PROCESSES = 4;
const CONNECTIONS = 4;
const REPETITIONS = Array.from({ length: 20 }, (_, i) => i + 1);

const RACKSPACE = loadProfile("rackspace", REPO);

/** The provider's own derivations of the attachment policy and project setup from a profile. */
const policyOf = (p: Profile): AttachmentPolicy => attachmentPolicy(p);
const setupOf = (p: Profile): ProjectSetup => projectSetup(p);

const POLICY = policyOf(RACKSPACE);

/** One attempt's outcome, from this process or a child. */
type Outcome =
  | { groupId: string; ok: true; attachment: AttachmentRecord }
  | { groupId: string; ok: false; name?: string; code?: string; property?: string; message: string };

interface Scene {
  file: string;
  backend: SqliteBackend;
  serverId: string;
  publicPortId: string;
  groupIds: string[];
}

let dir: string;
let opened: SqliteBackend[];

function open(file: string): SqliteBackend {
  const b = new SqliteBackend(file);
  opened.push(b);
  return b;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-attach-race-"));
  opened = [];
});

afterEach(async () => {
  for (const b of opened) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A fresh file: the rackspace project, 50 groups and one ACTIVE server on PublicNet. */
async function scene(): Promise<Scene> {
  const file = path.join(dir, "state", "cloud.db");
  const backend = open(file);
  await backend.ensureProject(PROJECT, setupOf(RACKSPACE));
  const groupIds: string[] = [];
  for (let i = 0; i < GROUPS; i++) {
    const g = await backend.createGroup({ project: PROJECT, name: `g${String(i).padStart(2, "0")}`, description: "", stateful: true, tags: [], defaultRules: [] });
    groupIds.push(g.group.id);
  }
  const server = await backend.createServer(
    { project: PROJECT, name: "web-1", networks: ["PublicNet"], securityGroupIds: [], bootSeconds: 0 },
    POLICY,
  );
  expect(server.status).toBe("ACTIVE");
  expect(server.ports).toHaveLength(1);
  const port = server.ports[0]!;
  expect(port.networkId).toBe(PUBLICNET);
  expect(port.securityGroupIds).toEqual([]);
  return { file, backend, serverId: server.id, publicPortId: port.id, groupIds };
}

/** Exactly 5 winners, 45 SG_LIMIT_GROUPS_PER_PORT losers, and the port holds the 5 winners. */
async function expectLimitHeld(s: Scene, outcomes: Outcome[]): Promise<void> {
  expect(outcomes).toHaveLength(GROUPS);
  expect(new Set(outcomes.map((o) => o.groupId))).toEqual(new Set(s.groupIds));

  const failed = outcomes.filter((o): o is Extract<Outcome, { ok: false }> => !o.ok);
  // Every failure is the limit: no SQLITE_BUSY, no constraint error, nothing else.
  const unexpected = failed.filter((o) => o.code !== "SG_LIMIT_GROUPS_PER_PORT").map((o) => `${o.code ?? o.name}: ${o.message}`);
  expect(unexpected).toEqual([]);
  for (const o of failed) {
    expect(o.property).toBe("securityGroupId");
    expect(o.message).toContain("web-1");
    expect(o.message).toContain("PublicNet");
    expect(o.message).toContain("rackspace");
  }

  const won = outcomes.filter((o): o is Extract<Outcome, { ok: true }> => o.ok);
  expect(won).toHaveLength(LIMIT);
  expect(failed).toHaveLength(GROUPS - LIMIT);
  for (const o of won) {
    expect(o.attachment).toMatchObject({ serverId: s.serverId, securityGroupId: o.groupId, networkId: PUBLICNET, portIds: [s.publicPortId] });
  }

  // What is stored, read through a fresh connection.
  const reader = open(s.file);
  const server = await reader.getServer(PROJECT, s.serverId);
  expect(server?.ports).toHaveLength(1);
  expect(server!.ports[0]!.securityGroupIds).toEqual(won.map((o) => o.groupId).sort());
  for (const o of won) expect(await reader.getAttachment(PROJECT, o.attachment.id)).toEqual(o.attachment);
  // The port is full: one more is refused too.
  const extra = await reader.createGroup({ project: PROJECT, name: "extra", description: "", stateful: true, tags: [], defaultRules: [] });
  const after = await reader.createAttachment(PROJECT, s.serverId, extra.group.id, "PublicNet", POLICY).then(
    () => "fulfilled",
    (e: unknown) => (e instanceof SecgroupsError ? e.code : String(e)),
  );
  expect(after).toBe("SG_LIMIT_GROUPS_PER_PORT");
}

/** Deals `items` round-robin into `n` nearly equal slices (13, 13, 12, 12 for 50 over 4). */
function slices<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((item, i) => out[i % n]!.push(item));
  return out;
}

describe("50 concurrent attachment creates at one rackspace port, one process", () => {
  it.each(REPETITIONS)("repetition %i: exactly 5 succeed over 4 connections on one file", async () => {
    const s = await scene();
    const connections = [s.backend, ...Array.from({ length: CONNECTIONS - 1 }, () => open(s.file))];
    const settled = await Promise.allSettled(
      s.groupIds.map((g, i) => connections[i % CONNECTIONS]!.createAttachment(PROJECT, s.serverId, g, "PublicNet", POLICY)),
    );
    const outcomes: Outcome[] = settled.map((r, i) => {
      const groupId = s.groupIds[i]!;
      if (r.status === "fulfilled") return { groupId, ok: true, attachment: r.value };
      const e = r.reason as Partial<SecgroupsError> & { message?: string; name?: string };
      return { groupId, ok: false, name: e?.name, code: e?.code, property: e?.details?.property, message: String(e?.message ?? e) };
    });
    await expectLimitHeld(s, outcomes);
  });
});

describe("50 concurrent attachment creates at one rackspace port, 4 processes", () => {
  let buildDir: string;
  let moduleFile: string;

  beforeAll(() => {
    // Compile the current sources once, under the repository so the children resolve node_modules.
    fs.mkdirSync(path.join(REPO, "test-output"), { recursive: true });
    buildDir = fs.mkdtempSync(path.join(REPO, "test-output", "unit-build-"));
    const tsc = spawnSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", path.join(REPO, "tsconfig.json"), "--outDir", buildDir], {
      cwd: REPO,
      encoding: "utf8",
    });
    moduleFile = path.join(buildDir, "provider/backends/sqlite.js");
    // Type errors elsewhere (sources being edited) still emit JavaScript; only a missing module is fatal.
    if (!fs.existsSync(moduleFile)) {
      throw new Error(`tsc did not produce ${moduleFile} (exit ${tsc.status}):\n${tsc.stdout}${tsc.stderr}`);
    }
  });

  afterAll(() => {
    if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
  });

  interface ChildRun {
    code: number | null;
    stdout: string;
    stderr: string;
  }

  /** Starts one child; resolves `ready` once it has opened the backend, `done` when it exits. */
  function startChild(file: string, serverId: string, groupIds: string[]) {
    const job = { project: PROJECT, serverId, network: "PublicNet", policy: POLICY, groupIds };
    const child = spawn(process.execPath, [CHILD, moduleFile, file, JSON.stringify(job)], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((resolve) => (onReady = resolve));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (stdout.startsWith("ready\n")) onReady();
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<ChildRun>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code) => {
        onReady(); // a child that died early must not leave the test waiting
        resolve({ code, stdout, stderr });
      });
    });
    return { child, ready, done };
  }

  it.each(REPETITIONS)("repetition %i: exactly 5 succeed across 4 processes on one file", async () => {
    const s = await scene();
    const parts = slices(s.groupIds, PROCESSES);
    expect(parts.map((p) => p.length)).toEqual([13, 13, 12, 12]);

    const children = parts.map((p) => startChild(s.file, s.serverId, p));
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.child.stdin.end("go\n");
    const runs = await Promise.all(children.map((c) => c.done));

    for (const r of runs) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const outcomes = runs.flatMap((r) => {
      const lines = r.stdout.split("\n").filter(Boolean);
      expect(lines[0]).toBe("ready");
      expect(lines).toHaveLength(2);
      return (JSON.parse(lines[1]!) as { results: Outcome[] }).results;
    });
    await expectLimitHeld(s, outcomes);
  });
});
