import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import type { DefaultRuleSpec, NewGroup } from "../../provider/backends/types";
import { SecgroupsError } from "../../provider/errors";
import { rejection } from "../support/backend";

const REPO = path.resolve(__dirname, "../..");
const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];

function newGroup(overrides: Partial<NewGroup> = {}): NewGroup {
  return {
    project: "proj",
    name: "web",
    description: "web servers",
    stateful: true,
    tags: [],
    defaultRules: [],
    ...overrides,
  };
}


let dir: string;
let file: string;
let opened: SqliteBackend[];

function open(f: string = file): SqliteBackend {
  const b = new SqliteBackend(f);
  opened.push(b);
  return b;
}

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-sqlite-"));
  file = path.join(dir, "state", "cloud.db");
  opened = [];
});

afterEach(async () => {
  for (const b of opened) await b.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("SqliteBackend.createGroup", () => {
  it("creates the default rules with the group and counts them in the revision", async () => {
    const b = open();
    const state = await b.createGroup(newGroup({ tags: ["zeta", "alpha", "mid"], defaultRules: EGRESS_ANY }));

    expect(state.group.revisionNumber).toBe(2);
    expect(state.group.tags).toEqual(["alpha", "mid", "zeta"]);
    expect(state.group.createdAt).toBe(state.group.updatedAt);
    expect(state.group.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    const rules = await b.listRules("proj", state.group.id);
    expect(rules).toHaveLength(2);
    expect(rules.map((r) => r.ethertype).sort()).toEqual(["IPv4", "IPv6"]);
    for (const r of rules) {
      expect(r).toMatchObject({
        project: "proj",
        securityGroupId: state.group.id,
        direction: "egress",
        protocol: null,
        portRangeMin: null,
        portRangeMax: null,
        remoteIpPrefix: null,
        remoteGroupId: null,
        remoteSubnetId: null,
        description: "",
        isDefault: true,
      });
    }
    expect([...state.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
    expect(new Set(state.defaultRuleIds).size).toBe(2);

    // What is stored is what was returned.
    const got = await b.getGroup("proj", state.group.id);
    expect(got).toEqual(state);
    expect((await b.findGroupByName("proj", "web"))?.tags).toEqual(["alpha", "mid", "zeta"]);
  });

  it("starts a group without default rules at revision 0", async () => {
    const b = open();
    const state = await b.createGroup(newGroup({ stateful: false }));
    expect(state.group.revisionNumber).toBe(0);
    expect(state.group.stateful).toBe(false);
    expect(state.defaultRuleIds).toEqual([]);
    expect(await b.listRules("proj")).toEqual([]);
  });

  it("rejects a name already used in the project, and accepts it in another project", async () => {
    const b = open();
    const first = await b.createGroup(newGroup());

    const err = await rejection(b.createGroup(newGroup({ description: "other" })));
    expect(err.code).toBe("SG_NAME_TAKEN");
    expect(err.details.property).toBe("name");
    expect(err.message.startsWith("SG_NAME_TAKEN: ")).toBe(true);
    expect(err.message).toContain(first.group.id);

    const groups = await b.listGroups("proj");
    expect(groups).toHaveLength(1);
    expect(groups[0]!.description).toBe("web servers");

    const other = await b.createGroup(newGroup({ project: "proj-b" }));
    expect(other.group.project).toBe("proj-b");
    expect(other.group.name).toBe("web");
    expect(other.group.id).not.toBe(first.group.id);
    expect(await b.listGroups("proj-b")).toHaveLength(1);
    expect(await b.listGroups("proj")).toHaveLength(1);
  });

  it("enforces the group quota and writes nothing when over it", async () => {
    const b = open();
    await b.createGroup(newGroup({ name: "a", groupQuota: 2, defaultRules: EGRESS_ANY }));
    await b.createGroup(newGroup({ name: "b", groupQuota: 2, defaultRules: EGRESS_ANY }));

    const err = await rejection(b.createGroup(newGroup({ name: "c", groupQuota: 2, defaultRules: EGRESS_ANY })));
    expect(err.code).toBe("SG_QUOTA_EXCEEDED");
    expect(err.details.property).toBe("project");

    const groups = await b.listGroups("proj");
    expect(groups.map((g) => g.name)).toEqual(["a", "b"]);
    expect(await b.findGroupByName("proj", "c")).toBeUndefined();
    expect(await b.listRules("proj")).toHaveLength(4);

    // The quota is per project.
    const elsewhere = await b.createGroup(newGroup({ project: "other", name: "c", groupQuota: 2 }));
    expect(elsewhere.group.name).toBe("c");
  });
});

describe("SqliteBackend.updateGroup", () => {
  it("bumps the revision by one and updatedAt strictly, even immediately after create", async () => {
    const b = open();
    const created = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const first = await b.updateGroup("proj", created.group.id, { description: "changed" });
    const second = await b.updateGroup("proj", created.group.id, { description: "changed again" });

    expect(first.group.description).toBe("changed");
    expect(first.group.revisionNumber).toBe(3);
    expect(first.group.updatedAt > created.group.updatedAt).toBe(true);
    expect(first.group.createdAt).toBe(created.group.createdAt);
    expect(second.group.revisionNumber).toBe(4);
    expect(second.group.updatedAt > first.group.updatedAt).toBe(true);
    expect(second.defaultRuleIds).toEqual(created.defaultRuleIds);

    const stored = await b.getGroup("proj", created.group.id);
    expect(stored).toEqual(second);
  });

  it("rejects a rename onto an existing name and leaves the group unchanged", async () => {
    const b = open();
    const taken = await b.createGroup(newGroup({ name: "taken" }));
    const g = await b.createGroup(newGroup({ name: "mine", tags: ["t"] }));

    const err = await rejection(b.updateGroup("proj", g.group.id, { name: "taken", description: "new", tags: ["u"] }));
    expect(err.code).toBe("SG_NAME_TAKEN");
    expect(err.details.property).toBe("name");
    expect(err.message).toContain(taken.group.id);

    expect(await b.getGroup("proj", g.group.id)).toEqual(g);
    expect((await b.listGroups("proj")).map((x) => x.name)).toEqual(["mine", "taken"]);
  });

  it("allows renaming a group to its own name", async () => {
    const b = open();
    const g = await b.createGroup(newGroup({ name: "same" }));
    const u = await b.updateGroup("proj", g.group.id, { name: "same", tags: ["b", "a"] });
    expect(u.group.name).toBe("same");
    expect(u.group.tags).toEqual(["a", "b"]);
    expect(u.group.revisionNumber).toBe(1);
  });

  it("reports SG_NOT_FOUND for a missing id and for a group of another project", async () => {
    const b = open();
    const g = await b.createGroup(newGroup());

    const missing = await rejection(b.updateGroup("proj", "no-such-id", { description: "x" }));
    expect(missing.code).toBe("SG_NOT_FOUND");
    expect(missing.details.property).toBe("id");

    const wrongProject = await rejection(b.updateGroup("other", g.group.id, { description: "x" }));
    expect(wrongProject.code).toBe("SG_NOT_FOUND");
    expect((await b.getGroup("proj", g.group.id))?.group.description).toBe("web servers");
  });

  it("deletes the default rules (revision +1 +2) and recreates them", async () => {
    const b = open();
    const created = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    expect(created.group.revisionNumber).toBe(2);

    const removed = await b.updateGroup("proj", created.group.id, { deleteDefaultRules: true });
    expect(removed.group.revisionNumber).toBe(5);
    expect(removed.defaultRuleIds).toEqual([]);
    expect(await b.listRules("proj", created.group.id)).toEqual([]);

    const restored = await b.updateGroup("proj", created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
    expect(restored.group.revisionNumber).toBe(8);
    expect(restored.defaultRuleIds).toHaveLength(2);
    const rules = await b.listRules("proj", created.group.id);
    expect(rules.map((r) => `${r.direction}/${r.ethertype}/${r.isDefault}`).sort()).toEqual(["egress/IPv4/true", "egress/IPv6/true"]);
    expect([...restored.defaultRuleIds].sort()).toEqual(rules.map((r) => r.id).sort());
    // New rules, not the old ids.
    for (const id of restored.defaultRuleIds) expect(created.defaultRuleIds).not.toContain(id);

    // false again while the rules exist: no duplicates, only the plain +1.
    const again = await b.updateGroup("proj", created.group.id, { deleteDefaultRules: false, defaultRules: EGRESS_ANY });
    expect(again.group.revisionNumber).toBe(9);
    expect(await b.listRules("proj", created.group.id)).toHaveLength(2);
  });
});

describe("SqliteBackend.deleteGroup", () => {
  it("returns true then false and removes the group's rules only", async () => {
    const b = open();
    const g = await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const keep = await b.createGroup(newGroup({ name: "keep", defaultRules: EGRESS_ANY }));
    expect(await b.listRules("proj")).toHaveLength(4);

    expect(await b.deleteGroup("proj", g.group.id)).toBe(true);
    expect(await b.deleteGroup("proj", g.group.id)).toBe(false);

    expect(await b.getGroup("proj", g.group.id)).toBeUndefined();
    expect(await b.listRules("proj", g.group.id)).toEqual([]);
    const left = await b.listRules("proj");
    expect(left).toHaveLength(2);
    expect(left.every((r) => r.securityGroupId === keep.group.id)).toBe(true);
    expect((await b.listGroups("proj")).map((x) => x.name)).toEqual(["keep"]);
  });

  it("does not delete a group through another project", async () => {
    const b = open();
    const g = await b.createGroup(newGroup());
    expect(await b.deleteGroup("other", g.group.id)).toBe(false);
    expect((await b.getGroup("proj", g.group.id))?.group.id).toBe(g.group.id);
  });
});

describe("SqliteBackend files", () => {
  it("creates the parent directory and gives the database and its -wal file mode 0600", async () => {
    expect(fs.existsSync(path.dirname(file))).toBe(false);
    const b = open();
    expect(fs.statSync(path.dirname(file)).isDirectory()).toBe(true);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);

    await b.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    const wal = `${file}-wal`;
    expect(fs.existsSync(wal)).toBe(true);
    expect(fs.statSync(wal).mode & 0o777).toBe(0o600);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const shm = `${file}-shm`;
    expect(fs.existsSync(shm)).toBe(true);
    expect(fs.statSync(shm).mode & 0o777).toBe(0o600);
  });

  it("reports the location as sqlite:<file>", () => {
    const b = open();
    expect(b.kind).toBe("sqlite");
    expect(b.location).toBe(`sqlite:${file}`);
  });

  it("opens an existing database again without re-running migrations (user_version stays 3)", async () => {
    const b1 = open();
    const g = await b1.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    await b1.close();

    const b2 = open();
    expect((await b2.getGroup("proj", g.group.id))?.group.name).toBe("web");
    await b2.close();
    const b3 = open();
    expect(await b3.listGroups("proj")).toHaveLength(1);
    await b3.close();

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
    const raw = new DatabaseSync(file);
    try {
      expect((raw.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(3);
      const tables = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toEqual(["attachments", "networks", "port_groups", "ports", "projects", "security_group_rules", "security_groups", "servers"]);
    } finally {
      raw.close();
    }
  });

  it("is unusable after close", async () => {
    const b = open();
    await b.close();
    await expect(b.createGroup(newGroup())).rejects.toThrow("the SQLite backend is closed");
  });
});

describe("SqliteBackend shared by several connections", () => {
  it("two instances on one file see each other's writes", async () => {
    const a = open();
    const b = open();
    const ga = await a.createGroup(newGroup({ name: "from-a", defaultRules: EGRESS_ANY }));
    expect((await b.getGroup("proj", ga.group.id))?.group.name).toBe("from-a");
    expect(await b.listRules("proj", ga.group.id)).toHaveLength(2);

    const gb = await b.createGroup(newGroup({ name: "from-b" }));
    expect((await a.listGroups("proj")).map((g) => g.name)).toEqual(["from-a", "from-b"]);

    await b.updateGroup("proj", ga.group.id, { description: "changed by b" });
    expect((await a.getGroup("proj", ga.group.id))?.group.description).toBe("changed by b");

    expect(await a.deleteGroup("proj", gb.group.id)).toBe(true);
    expect(await b.findGroupByName("proj", "from-b")).toBeUndefined();
  });

  it("lets exactly one of two concurrent creates of the same name win", async () => {
    const a = open();
    const b = open();
    const results = await Promise.allSettled([
      a.createGroup(newGroup({ name: "shared" })),
      b.createGroup(newGroup({ name: "shared" })),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]!.reason).toBeInstanceOf(SecgroupsError);
    expect((rejected[0]!.reason as SecgroupsError).code).toBe("SG_NAME_TAKEN");
    expect(await a.listGroups("proj")).toHaveLength(1);
  });
});

describe("SqliteBackend across processes", () => {
  let buildDir: string;

  beforeAll(() => {
    // Compile the current sources to a private directory (dist/ is left alone).
    // Under the repository, so that the children resolve node_modules (ipaddr.js, ajv) by walking up.
    fs.mkdirSync(path.join(REPO, "test-output"), { recursive: true });
    buildDir = fs.mkdtempSync(path.join(REPO, "test-output", "unit-build-"));
    execFileSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", path.join(REPO, "tsconfig.json"), "--outDir", buildDir], {
      cwd: REPO,
      stdio: "pipe",
    });
  });

  afterAll(() => {
    if (buildDir) fs.rmSync(buildDir, { recursive: true, force: true });
  });

  function runChild(index: number, moduleFile: string, dbFile: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const script = `
      const { SqliteBackend } = require(${JSON.stringify(moduleFile)});
      (async () => {
        const b = new SqliteBackend(${JSON.stringify(dbFile)});
        const i = ${index};
        const created = [];
        const errors = [];
        for (let j = 0; j < 10; j++) {
          try {
            const s = await b.createGroup({ project: "proj", name: "p" + i + "-g" + j, description: "", stateful: true, tags: [],
              defaultRules: [{ direction: "egress", ethertype: "IPv4" }, { direction: "egress", ethertype: "IPv6" }] });
            created.push(s.group.name);
          } catch (e) { errors.push(String(e && e.code || e)); }
        }
        let shared;
        try {
          const s = await b.createGroup({ project: "proj", name: "shared", description: "by " + i, stateful: true, tags: [], defaultRules: [] });
          shared = { ok: true, id: s.group.id };
        } catch (e) { shared = { ok: false, code: e && e.code, message: String(e && e.message) }; }
        await b.close();
        process.stdout.write(JSON.stringify({ index: i, created, errors, shared }));
      })().catch((e) => { process.stderr.write(String(e && e.stack || e)); process.exit(2); });
    `;
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it("4 processes creating groups on one fresh file: no lost writes, one winner for a shared name", async () => {
    const moduleFile = path.join(buildDir, "provider/backends/sqlite.js");
    expect(fs.existsSync(moduleFile)).toBe(true);

    const runs = await Promise.all([0, 1, 2, 3].map((i) => runChild(i, moduleFile, file)));
    for (const r of runs) {
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    }
    const results = runs.map((r) => JSON.parse(r.stdout) as {
      index: number; created: string[]; errors: string[]; shared: { ok: boolean; id?: string; code?: string };
    });
    for (const r of results) {
      expect(r.errors).toEqual([]);
      expect(r.created).toEqual(Array.from({ length: 10 }, (_, j) => `p${r.index}-g${j}`));
    }
    const winners = results.filter((r) => r.shared.ok);
    const losers = results.filter((r) => !r.shared.ok);
    expect(winners).toHaveLength(1);
    expect(losers.map((r) => r.shared.code)).toEqual(["SG_NAME_TAKEN", "SG_NAME_TAKEN", "SG_NAME_TAKEN"]);

    const b = open();
    const groups = await b.listGroups("proj");
    expect(groups).toHaveLength(41);
    expect(groups.filter((g) => g.name === "shared")).toHaveLength(1);
    expect(groups.find((g) => g.name === "shared")!.id).toBe(winners[0]!.shared.id);
    expect(await b.listRules("proj")).toHaveLength(80);
  });
});
