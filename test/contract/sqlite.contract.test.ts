/**
 * The backend contract against real SQLite files (a fresh file in a directory of its own per test),
 * and what only the SQLite backend has: its files and their modes, user_version, unusable paths.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { DatabaseSync as DatabaseSyncType } from "node:sqlite";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteBackend } from "../../provider/backends/sqlite";
import { MIGRATIONS } from "../../provider/backends/store";
import type { DefaultRuleSpec, NewGroup } from "../../provider/backends/types";
import { rejection } from "../support/backend";
import { backendContract } from "./backendContract";

const EGRESS_ANY: DefaultRuleSpec[] = [
  { direction: "egress", ethertype: "IPv4" },
  { direction: "egress", ethertype: "IPv6" },
];

/** The raw database file, for what the backend itself does not show. */
function raw(file: string): DatabaseSyncType {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DatabaseSync } = require("node:sqlite") as typeof import("node:sqlite");
  return new DatabaseSync(file);
}

/** The applied migrations (user_version counts them) and the tables of the database in `file`. */
function schemaOf(file: string): { migrations: number[]; tables: string[] } {
  const db = raw(file);
  try {
    const version = (db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version;
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((t) => t.name);
    return { migrations: Array.from({ length: version }, (_, i) => i + 1), tables };
  } finally {
    db.close();
  }
}

backendContract("sqlite", {
  repetitions: 20,
  async fresh() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-contract-"));
    // The state directory does not exist yet: the first connection creates it.
    const file = path.join(dir, "state", "cloud.db");
    return {
      url: `sqlite:${file}`,
      open: async () => new SqliteBackend(file),
      schema: async () => schemaOf(file),
      dispose: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
});

describe("SQLite only", () => {
  let dir: string;
  let file: string;
  let opened: SqliteBackend[];

  function open(f: string = file): SqliteBackend {
    const b = new SqliteBackend(f);
    opened.push(b);
    return b;
  }

  function newGroup(overrides: Partial<NewGroup> = {}): NewGroup {
    return { project: "proj", name: "web", description: "web servers", stateful: true, tags: [], defaultRules: [], ...overrides };
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

  it("creates the parent directory (0700) and gives the database and its -wal and -shm files mode 0600", async () => {
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

  it("reports kind sqlite and the location sqlite:<file>", () => {
    const b = open();
    expect(b.kind).toBe("sqlite");
    expect(b.location).toBe(`sqlite:${file}`);
  });

  it("records the applied migrations in user_version (one per migration) and keeps it when opened again", async () => {
    const b1 = open();
    const g = await b1.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    await b1.close();
    const b2 = open();
    expect((await b2.getGroup("proj", g.group.id))?.group.name).toBe("web");
    await b2.close();

    const db = raw(file);
    try {
      expect((db.prepare("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(MIGRATIONS.length);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      expect(tables.map((t) => t.name)).toEqual([
        "attachments",
        "networks",
        "port_groups",
        "ports",
        "project_rule_counts",
        "projects",
        "security_group_rules",
        "security_groups",
        "servers",
      ]);
    } finally {
      db.close();
    }
  });

  it("migration 6 counts the rules a database already holds, per project, and the quota check uses that count", async () => {
    const b1 = open();
    await b1.createGroup(newGroup({ defaultRules: EGRESS_ANY }));
    await b1.createGroup(newGroup({ name: "db", defaultRules: EGRESS_ANY }));
    await b1.createGroup(newGroup({ project: "other", defaultRules: EGRESS_ANY }));
    await b1.close();
    // Back to the schema of migration 5, rules and all.
    const db = raw(file);
    try {
      db.exec("DROP TABLE project_rule_counts");
      db.exec("PRAGMA user_version = 5");
    } finally {
      db.close();
    }
    const b2 = open();
    const { group } = await b2.createGroup(newGroup({ name: "app" }));
    const rule = {
      securityGroupId: group.id,
      direction: "ingress" as const,
      ethertype: "IPv4" as const,
      protocol: "tcp",
      portRangeMin: 22,
      portRangeMax: 22,
      remoteIpPrefix: null,
      remoteGroupId: null,
      remoteSubnetId: null,
      description: "",
      key: `${group.id}|ingress|IPv4|6|22|22|`,
    };
    expect((await rejection(b2.createRule(rule, { profile: "openstack", rulesPerProject: 4 }))).code).toBe("SG_QUOTA_EXCEEDED");
    await b2.createRule(rule, { profile: "openstack", rulesPerProject: 5 });
    expect(await b2.checkIntegrity()).toEqual([]);
    const counts = raw(file);
    try {
      expect(
        counts
          .prepare("SELECT project, rules FROM project_rule_counts ORDER BY project")
          .all()
          .map((r) => ({ ...r })),
      ).toEqual([
        { project: "other", rules: 2 },
        { project: "proj", rules: 5 },
      ]);
    } finally {
      counts.close();
    }
  });

  it("is unusable after close", async () => {
    const b = open();
    await b.close();
    await expect(b.createGroup(newGroup())).rejects.toThrow("the SQLite backend is closed");
  });

  it("a file that cannot be created → SG_BACKEND_UNAVAILABLE on secgroups:backend, naming the location", async () => {
    // /proc takes no new files, whoever runs the tests (root included).
    const err = await rejection((async () => new SqliteBackend("/proc/secgroups-contract.db"))());
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.details.property).toBe("secgroups:backend");
    expect(err.details.value).toBe("sqlite:/proc/secgroups-contract.db");
  });

  it("a directory that cannot be created (a parent is a regular file) → SG_BACKEND_UNAVAILABLE, not a raw ENOTDIR/EEXIST", async () => {
    fs.mkdirSync(dir, { recursive: true });
    const blocker = path.join(dir, "not-a-directory");
    fs.writeFileSync(blocker, "");
    for (const f of [path.join(blocker, "cloud.db"), path.join(blocker, "state", "cloud.db")]) {
      const err = await rejection((async () => new SqliteBackend(f))());
      expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
      expect(err.details.property).toBe("secgroups:backend");
      expect(err.details.value).toBe(`sqlite:${f}`);
    }
  });

  it("a path that is a directory → SG_BACKEND_UNAVAILABLE, not a raw SQLite error", async () => {
    fs.mkdirSync(file, { recursive: true });
    const err = await rejection((async () => new SqliteBackend(file))());
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.details.property).toBe("secgroups:backend");
    expect(err.details.value).toBe(`sqlite:${file}`);
  });
});
