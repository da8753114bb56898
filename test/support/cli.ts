/**
 * The built `secgroups` CLI (dist/provider/cli/main.js; the test command builds first) run as a
 * child process, and the backends it reads: filled through openBackend and the StateBackend API as
 * the provider fills them. The CLI tests share these; each SQLite test file gets its own backend.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll } from "vitest";
import { openBackend } from "../../provider/backends";
import type { GroupRecord, RuleRecord, ServerRecord, StateBackend } from "../../provider/backends/types";
import { attachmentPolicy, projectSetup } from "../../provider/domain/profiles";
import { loadProfile } from "../../provider/profileLoader";
import { rule } from "./backend";

export const REPO = path.resolve(__dirname, "../..");
const CLI = path.join(REPO, "dist/provider/cli/main.js");
const OPENSTACK = loadProfile("openstack", REPO);

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in `cwd` with only `env` (plus PATH) for settings. */
export function secgroups(args: string[], opts: { cwd: string; env?: Record<string, string> }): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: { PATH: process.env.PATH ?? "", ...opts.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A stack trace line, which the CLI must never print. */
export const STACK_LINE = /^\s+at /m;

/** What a backend holds after `fill`: seed 001's group and rule, a server, two servers of one name. */
export interface Filled {
  ssh: GroupRecord;
  sshRules: RuleRecord[];
  defaultGroup: GroupRecord;
  web: ServerRecord;
  twins: ServerRecord[];
}

/** Fills `backend`'s project `default` as `pulumi up` of the quickstart would, plus servers. */
async function fill(backend: StateBackend): Promise<Filled> {
  await backend.ensureProject("default", projectSetup(OPENSTACK));
  const created = await backend.createGroup({
    project: "default",
    name: "allow-ssh-from-anywhere",
    description: "Beispiel",
    stateful: true,
    tags: ["seed-001"],
    defaultRules: OPENSTACK.newGroupRules,
  });
  await backend.createRule(rule(created.group.id, { protocol: "tcp", portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: "0.0.0.0/0" }), {
    profile: "openstack",
  });
  const policy = attachmentPolicy(OPENSTACK);
  const web = await backend.createServer(
    { project: "default", name: "web-1", networks: ["public"], securityGroupIds: [created.group.id], bootSeconds: 0 },
    policy,
  );
  const twins = [
    await backend.createServer({ project: "default", name: "twin", networks: ["public"], securityGroupIds: [], bootSeconds: 0 }, policy),
    await backend.createServer({ project: "default", name: "twin", networks: ["public"], securityGroupIds: [], bootSeconds: 0 }, policy),
  ];
  const ssh = (await backend.getGroup("default", created.group.id))!.group;
  return {
    ssh,
    sshRules: await backend.listRules("default", ssh.id),
    defaultGroup: (await backend.findGroupByName("default", "default"))!,
    web: (await backend.getServer("default", web.id))!,
    twins,
  };
}

/** Checks the CLI is built, then fills the backend at `url` through the provider's backend code and closes it. */
export async function fillAt(url: string, dir: string): Promise<Filled> {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run bash scripts/build.sh first (the test command does)`);
  const backend = openBackend(url, dir);
  try {
    return await fill(backend);
  } finally {
    await backend.close();
  }
}

/** `2026-11-23T17:55:01.123Z` → `2026-11-23T17:55:01Z`. */
export const sec = (ts: string) => ts.replace(/\.\d+Z$/, "Z");

/**
 * A filled SQLite backend in a fresh temporary directory for the tests of the calling describe:
 * filled before them, removed after them. Returns what the tests read: its URL, the directory the
 * CLI runs in, and what `fillAt` put in it.
 */
export function sqliteBackend(): () => { url: string; dir: string; data: Filled } {
  let dir: string;
  let url: string;
  let data: Filled;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-cli-"));
    url = `sqlite:${path.join(dir, "cloud.db")}`;
    data = await fillAt(url, dir);
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  return () => ({ url, dir, data });
}
