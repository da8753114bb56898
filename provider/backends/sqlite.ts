/**
 * The embedded backend: one SQLite file (Node's built-in `node:sqlite`).
 *
 * Concurrency: every change runs in `BEGIN IMMEDIATE`, which takes SQLite's write lock before the
 * first read, so the invariant checks inside a transaction see the latest committed state and no
 * other process can commit in between. Inside one process the driver is synchronous, so two
 * transactions never interleave. `busy_timeout` makes other processes wait for the lock instead of
 * failing; WAL mode lets readers go on while one process writes.
 *
 * Files: the database, its `-wal` and `-shm` files are created with mode 0600 (SQLite gives the
 * journal files the database file's mode), inside a directory created with mode 0700.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import type { DatabaseSync as DatabaseSyncType, SQLInputValue } from "node:sqlite";
import { SecgroupsError } from "../errors";
import { canonicalRuleOf, ruleKey } from "../domain/rules";
import type {
  DefaultRuleSpec, GroupPatch, GroupRecord, GroupState, NewGroup, NewRule, RuleLimits, RuleRecord, StateBackend,
} from "./types";

/** Loads node:sqlite without its one-time "experimental feature" warning on stderr. */
function loadSqlite(): typeof import("node:sqlite") {
  const original = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    const text = typeof warning === "string" ? warning : warning.message;
    if (/SQLite is an experimental feature/.test(text)) return;
    (original as (...args: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return require("node:sqlite") as typeof import("node:sqlite");
  } finally {
    process.emitWarning = original;
  }
}

/** One schema migration: SQL, or code for what SQL cannot compute. */
type Migration = string | ((db: DatabaseSyncType) => void);

/** Schema migrations, applied in order; the database's `user_version` is the number applied. */
const MIGRATIONS: Migration[] = [
  `CREATE TABLE security_groups (
     id TEXT PRIMARY KEY,
     project TEXT NOT NULL,
     name TEXT NOT NULL,
     description TEXT NOT NULL,
     stateful INTEGER NOT NULL,
     tags TEXT NOT NULL,
     revision_number INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL,
     UNIQUE (project, name)
   );
   CREATE TABLE security_group_rules (
     id TEXT PRIMARY KEY,
     project TEXT NOT NULL,
     security_group_id TEXT NOT NULL REFERENCES security_groups(id),
     direction TEXT NOT NULL,
     ethertype TEXT NOT NULL,
     protocol TEXT,
     port_range_min INTEGER,
     port_range_max INTEGER,
     remote_ip_prefix TEXT,
     remote_group_id TEXT,
     remote_subnet_id TEXT,
     description TEXT NOT NULL,
     is_default INTEGER NOT NULL,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);
   CREATE INDEX security_group_rules_project ON security_group_rules (project);`,
  // 2: the duplicate key of every rule, unique per group (Neutron's duplicate semantics).
  (db) => {
    db.exec("ALTER TABLE security_group_rules ADD COLUMN rule_key TEXT");
    const rows = db.prepare("SELECT * FROM security_group_rules").all() as Row[];
    const set = db.prepare("UPDATE security_group_rules SET rule_key = ? WHERE id = ?");
    for (const row of rows) {
      const rule = ruleFromRow(row);
      set.run(ruleKey(canonicalRuleOf(rule)), rule.id);
    }
    db.exec("CREATE UNIQUE INDEX security_group_rules_key ON security_group_rules (security_group_id, rule_key)");
  },
];

/** A timestamp strictly after `previous` (ISO 8601 UTC, milliseconds). */
export function nextTimestamp(previous?: string): string {
  const now = Date.now();
  const floor = previous ? Date.parse(previous) + 1 : 0;
  return new Date(Math.max(now, floor)).toISOString();
}

type Row = Record<string, SQLInputValue>;

function groupFromRow(r: Row): GroupRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    name: String(r.name),
    description: String(r.description),
    stateful: Number(r.stateful) === 1,
    tags: JSON.parse(String(r.tags)) as string[],
    revisionNumber: Number(r.revision_number),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function nullableString(v: SQLInputValue): string | null {
  return v === null || v === undefined ? null : String(v);
}

function nullableNumber(v: SQLInputValue): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function ruleFromRow(r: Row): RuleRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    securityGroupId: String(r.security_group_id),
    direction: String(r.direction) as RuleRecord["direction"],
    ethertype: String(r.ethertype) as RuleRecord["ethertype"],
    protocol: nullableString(r.protocol),
    portRangeMin: nullableNumber(r.port_range_min),
    portRangeMax: nullableNumber(r.port_range_max),
    remoteIpPrefix: nullableString(r.remote_ip_prefix),
    remoteGroupId: nullableString(r.remote_group_id),
    remoteSubnetId: nullableString(r.remote_subnet_id),
    description: String(r.description),
    isDefault: Number(r.is_default) === 1,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

/** The SQLite state backend. */
export class SqliteBackend implements StateBackend {
  readonly kind = "sqlite";
  readonly location: string;
  private readonly db: DatabaseSyncType;
  private closed = false;

  /** Opens (creating if needed, mode 0600) the database file and applies pending migrations. */
  constructor(file: string) {
    this.location = `sqlite:${file}`;
    const dir = path.dirname(file);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
          property: "secgroups:backend",
          problem: `cannot create the SQLite file: ${(err as Error).message}`,
          value: this.location,
          fix: "point secgroups:backend at a writable path (sqlite:/path/to/cloud.db)",
        });
      }
    }
    const { DatabaseSync } = loadSqlite();
    this.db = new DatabaseSync(file);
    this.db.exec("PRAGMA busy_timeout = 60000");
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA foreign_keys = ON");
    this.migrate();
  }

  private migrate(): void {
    const current = () => Number((this.db.prepare("PRAGMA user_version").get() as Row).user_version);
    if (current() >= MIGRATIONS.length) return;
    this.transaction(() => {
      // Re-read under the write lock: another process may have migrated meanwhile.
      for (let v = current(); v < MIGRATIONS.length; v++) {
        const step = MIGRATIONS[v]!;
        if (typeof step === "string") this.db.exec(step);
        else step(this.db);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      }
    });
  }

  /** Runs `body` in one write transaction; rolls back if it throws. */
  private transaction<T>(body: () => T): T {
    if (this.closed) throw new Error("the SQLite backend is closed");
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const result = body();
      this.db.exec("COMMIT");
      return result;
    } catch (err) {
      this.db.exec("ROLLBACK");
      throw err;
    }
  }

  private groupRow(project: string, id: string): GroupRecord | undefined {
    const row = this.db.prepare("SELECT * FROM security_groups WHERE project = ? AND id = ?").get(project, id) as Row | undefined;
    return row ? groupFromRow(row) : undefined;
  }

  private defaultRuleIds(groupId: string): string[] {
    const rows = this.db
      .prepare("SELECT id FROM security_group_rules WHERE security_group_id = ? AND is_default = 1 ORDER BY created_at, ethertype")
      .all(groupId) as Row[];
    return rows.map((r) => String(r.id));
  }

  private nameTaken(project: string, name: string, existing: GroupRecord): SecgroupsError {
    return new SecgroupsError("SG_NAME_TAKEN", {
      property: "name",
      problem: `project ${project} already has a security group named ${JSON.stringify(name)} (id ${existing.id})`,
      value: name,
      allowed: "a name no other group in the project uses",
      fix: `choose another name or another secgroups:project, or destroy group ${existing.id} in the stack that owns it`,
    });
  }

  private insertDefaultRules(group: GroupRecord, rules: DefaultRuleSpec[], at: string): void {
    for (const rule of rules) {
      this.insertRule({
        securityGroupId: group.id, direction: rule.direction, ethertype: rule.ethertype, protocol: null,
        portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null,
        description: "",
        key: ruleKey({ securityGroupId: group.id, direction: rule.direction, ethertype: rule.ethertype, protocol: "any", description: "" }),
      }, group.project, true, at);
    }
  }

  private insertRule(rule: NewRule, project: string, isDefault: boolean, at: string): RuleRecord {
    const record: RuleRecord = {
      id: randomUUID(), project, securityGroupId: rule.securityGroupId, direction: rule.direction,
      ethertype: rule.ethertype, protocol: rule.protocol, portRangeMin: rule.portRangeMin,
      portRangeMax: rule.portRangeMax, remoteIpPrefix: rule.remoteIpPrefix, remoteGroupId: rule.remoteGroupId,
      remoteSubnetId: rule.remoteSubnetId, description: rule.description, isDefault, createdAt: at, updatedAt: at,
    };
    this.db.prepare(
      `INSERT INTO security_group_rules (id, project, security_group_id, direction, ethertype, protocol,
         port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_subnet_id, description,
         is_default, created_at, updated_at, rule_key)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(record.id, project, record.securityGroupId, record.direction, record.ethertype, record.protocol,
      record.portRangeMin, record.portRangeMax, record.remoteIpPrefix, record.remoteGroupId, record.remoteSubnetId,
      record.description, isDefault ? 1 : 0, at, at, rule.key);
    return record;
  }

  /** Bumps a group's revision (and updatedAt) by `by`, inside the caller's transaction. */
  private bumpGroup(id: string, by: number): void {
    const row = this.db.prepare("SELECT updated_at FROM security_groups WHERE id = ?").get(id) as Row | undefined;
    if (!row) return;
    this.db.prepare("UPDATE security_groups SET revision_number = revision_number + ?, updated_at = ? WHERE id = ?")
      .run(by, nextTimestamp(String(row.updated_at)), id);
  }

  async createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
    return this.transaction(() => {
      const groupRow = this.db.prepare("SELECT * FROM security_groups WHERE id = ?").get(rule.securityGroupId) as Row | undefined;
      if (!groupRow) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "securityGroupId",
          problem: `security group ${rule.securityGroupId} does not exist`,
          value: rule.securityGroupId,
          fix: "pass the id of an existing group (e.g. group.id of a SecurityGroup in the program)",
        });
      }
      const group = groupFromRow(groupRow);
      if (rule.remoteGroupId !== null && !this.groupRow(group.project, rule.remoteGroupId)) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "remoteGroupId",
          problem: `remote security group ${rule.remoteGroupId} does not exist in project ${group.project}`,
          value: rule.remoteGroupId,
          fix: "pass the id of an existing group of the same project",
        });
      }
      const dup = this.db
        .prepare("SELECT * FROM security_group_rules WHERE security_group_id = ? AND rule_key = ?")
        .get(rule.securityGroupId, rule.key) as Row | undefined;
      if (dup) {
        const existing = ruleFromRow(dup);
        throw new SecgroupsError("SG_RULE_EXISTS", {
          property: "",
          problem: existing.isDefault
            ? `group ${group.name} (${group.id}) already has this rule: it is the default ${existing.direction} ${existing.ethertype} rule ${existing.id} the group got when it was created`
            : `group ${group.name} (${group.id}) already has this rule: rule ${existing.id} (duplicates are compared without the description; tcp = 6; 0.0.0.0/0, ::/0 and no remote are the same)`,
          fix: existing.isDefault
            ? "set deleteDefaultRules: true on the group to manage its egress rules yourself, or drop this rule"
            : `drop this rule, or import rule ${existing.id} instead of creating it`,
        });
      }
      const countIn = (sql: string, arg: string) => Number((this.db.prepare(sql).get(arg) as Row).n);
      if (limits.rulesPerGroup !== undefined) {
        const n = countIn("SELECT COUNT(*) AS n FROM security_group_rules WHERE security_group_id = ?", group.id);
        if (n >= limits.rulesPerGroup) {
          throw new SecgroupsError("SG_QUOTA_EXCEEDED", {
            property: "securityGroupId",
            problem: `group ${group.name} (${group.id}) already has ${n} rules, the limit of profile ${limits.profile}`,
            value: group.id,
            allowed: `at most ${limits.rulesPerGroup} rules per security group`,
            fix: "merge rules (port ranges, wider CIDRs) or spread them over another group",
          });
        }
      }
      if (limits.rulesPerProject !== undefined) {
        const n = countIn("SELECT COUNT(*) AS n FROM security_group_rules WHERE project = ?", group.project);
        if (n >= limits.rulesPerProject) {
          throw new SecgroupsError("SG_QUOTA_EXCEEDED", {
            property: "securityGroupId",
            problem: `project ${group.project} already holds ${n} rules, the quota of profile ${limits.profile}`,
            value: group.id,
            allowed: `at most ${limits.rulesPerProject} rules per project`,
            fix: "delete rules you no longer need, or use a profile with a larger quota",
          });
        }
      }
      const record = this.insertRule(rule, group.project, false, nextTimestamp());
      this.bumpGroup(group.id, 1);
      return record;
    });
  }

  async getRule(project: string, id: string): Promise<RuleRecord | undefined> {
    const row = this.db.prepare("SELECT * FROM security_group_rules WHERE project = ? AND id = ?").get(project, id) as Row | undefined;
    return row ? ruleFromRow(row) : undefined;
  }

  async updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord> {
    return this.transaction(() => {
      const row = this.db.prepare("SELECT * FROM security_group_rules WHERE project = ? AND id = ?").get(project, id) as Row | undefined;
      if (!row) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "id",
          problem: `security group rule ${id} does not exist in project ${project}`,
          value: id,
          fix: "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again",
        });
      }
      const current = ruleFromRow(row);
      const at = nextTimestamp(current.updatedAt);
      this.db.prepare("UPDATE security_group_rules SET description = ?, updated_at = ? WHERE id = ?").run(description, at, id);
      return { ...current, description, updatedAt: at };
    });
  }

  async deleteRule(project: string, id: string): Promise<boolean> {
    return this.transaction(() => {
      const row = this.db.prepare("SELECT security_group_id FROM security_group_rules WHERE project = ? AND id = ?").get(project, id) as Row | undefined;
      if (!row) return false;
      this.db.prepare("DELETE FROM security_group_rules WHERE id = ?").run(id);
      this.bumpGroup(String(row.security_group_id), 1);
      return true;
    });
  }

  async createGroup(input: NewGroup): Promise<GroupState> {
    return this.transaction(() => {
      const existing = this.db
        .prepare("SELECT * FROM security_groups WHERE project = ? AND name = ?")
        .get(input.project, input.name) as Row | undefined;
      if (existing) throw this.nameTaken(input.project, input.name, groupFromRow(existing));
      if (input.groupQuota !== undefined) {
        const count = Number((this.db.prepare("SELECT COUNT(*) AS n FROM security_groups WHERE project = ?").get(input.project) as Row).n);
        if (count >= input.groupQuota) {
          throw new SecgroupsError("SG_QUOTA_EXCEEDED", {
            property: "project",
            problem: `project ${input.project} already holds ${count} security groups, its quota`,
            value: input.project,
            allowed: `at most ${input.groupQuota} security groups per project`,
            fix: "delete a group you no longer need, or use a profile with a larger quota",
          });
        }
      }
      const at = nextTimestamp();
      const group: GroupRecord = {
        id: randomUUID(),
        project: input.project,
        name: input.name,
        description: input.description,
        stateful: input.stateful,
        tags: [...input.tags].sort(),
        // Neutron: a new group starts at 0 and each of its default rules bumps it (seed 001 shows 2).
        revisionNumber: input.defaultRules.length,
        createdAt: at,
        updatedAt: at,
      };
      this.db
        .prepare(
          `INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(group.id, group.project, group.name, group.description, group.stateful ? 1 : 0,
          JSON.stringify(group.tags), group.revisionNumber, group.createdAt, group.updatedAt);
      this.insertDefaultRules(group, input.defaultRules, at);
      return { group, defaultRuleIds: this.defaultRuleIds(group.id) };
    });
  }

  async getGroup(project: string, id: string): Promise<GroupState | undefined> {
    const group = this.groupRow(project, id);
    return group ? { group, defaultRuleIds: this.defaultRuleIds(id) } : undefined;
  }

  async findGroupByName(project: string, name: string): Promise<GroupRecord | undefined> {
    const row = this.db.prepare("SELECT * FROM security_groups WHERE project = ? AND name = ?").get(project, name) as Row | undefined;
    return row ? groupFromRow(row) : undefined;
  }

  async listGroups(project: string): Promise<GroupRecord[]> {
    const rows = this.db.prepare("SELECT * FROM security_groups WHERE project = ? ORDER BY name").all(project) as Row[];
    return rows.map(groupFromRow);
  }

  async updateGroup(project: string, id: string, patch: GroupPatch): Promise<GroupState> {
    return this.transaction(() => {
      const current = this.groupRow(project, id);
      if (!current) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "id",
          problem: `security group ${id} does not exist in project ${project}`,
          value: id,
          fix: "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again",
        });
      }
      if (patch.name !== undefined && patch.name !== current.name) {
        const clash = this.db
          .prepare("SELECT * FROM security_groups WHERE project = ? AND name = ? AND id <> ?")
          .get(project, patch.name, id) as Row | undefined;
        if (clash) throw this.nameTaken(project, patch.name, groupFromRow(clash));
      }
      let revision = current.revisionNumber + 1;
      const at = nextTimestamp(current.updatedAt);
      if (patch.deleteDefaultRules === true) {
        const removed = this.db.prepare("DELETE FROM security_group_rules WHERE security_group_id = ? AND is_default = 1").run(id);
        revision += Number(removed.changes);
      } else if (patch.deleteDefaultRules === false && this.defaultRuleIds(id).length === 0) {
        const rules = patch.defaultRules ?? [];
        this.insertDefaultRules(current, rules, at);
        revision += rules.length;
      }
      const next: GroupRecord = {
        ...current,
        name: patch.name ?? current.name,
        description: patch.description ?? current.description,
        stateful: patch.stateful ?? current.stateful,
        tags: patch.tags ? [...patch.tags].sort() : current.tags,
        revisionNumber: revision,
        updatedAt: at,
      };
      this.db
        .prepare(
          `UPDATE security_groups SET name = ?, description = ?, stateful = ?, tags = ?, revision_number = ?, updated_at = ?
           WHERE id = ?`,
        )
        .run(next.name, next.description, next.stateful ? 1 : 0, JSON.stringify(next.tags), next.revisionNumber, next.updatedAt, id);
      return { group: next, defaultRuleIds: this.defaultRuleIds(id) };
    });
  }

  async deleteGroup(project: string, id: string): Promise<boolean> {
    return this.transaction(() => {
      if (!this.groupRow(project, id)) return false;
      this.db.prepare("DELETE FROM security_group_rules WHERE security_group_id = ?").run(id);
      this.db.prepare("DELETE FROM security_groups WHERE id = ?").run(id);
      return true;
    });
  }

  async listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]> {
    const rows = (securityGroupId === undefined
      ? this.db.prepare("SELECT * FROM security_group_rules WHERE project = ? ORDER BY created_at, id").all(project)
      : this.db
          .prepare("SELECT * FROM security_group_rules WHERE project = ? AND security_group_id = ? ORDER BY created_at, id")
          .all(project, securityGroupId)) as Row[];
    return rows.map(ruleFromRow);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.db.close();
  }
}
