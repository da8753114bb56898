/**
 * The state backend's logic, once, over SQL: every invariant (unique names, quotas, duplicate
 * rules, the per-port group limit, the stateful mix, launch and attachment policy) is checked here,
 * inside the one transaction that makes the change. The two drivers (`sqlite.ts`, `postgres.ts`)
 * only run SQL: they open the connection, apply migrations under their lock, and give each
 * transaction the isolation that makes those checks true under concurrency:
 *   - SQLite: `BEGIN IMMEDIATE` takes the database's write lock before the first read, so a
 *     transaction's checks see the latest committed state and nobody commits in between; inside
 *     one process the driver queues transactions, since they share one connection.
 *   - PostgreSQL: SERIALIZABLE, retried from the start on a serialization failure (see postgres.ts).
 * Because a PostgreSQL transaction may run more than once, bodies have no effect outside `tx`.
 *
 * SQL is written once with `?` placeholders and portable types (TEXT, INTEGER; flags 0/1; JSON as
 * text); the PostgreSQL driver numbers the placeholders and declares text columns COLLATE "C", so
 * that ORDER BY gives the same order on both backends.
 */
import { randomUUID } from "node:crypto";
import { SecgroupsError } from "../errors";
import { canonicalRuleOf, ruleKey } from "../domain/rules";
import { addressAt, networkSize } from "../domain/cidr";
import { showValue } from "../text";
import type {
  AttachmentPolicy, AttachmentRecord, DefaultRuleSpec, GroupPatch, GroupRecord, GroupState, NetworkRecord, NewGroup,
  NewRule, NewServer, PortRecord, ProjectSetup, RuleLimits, RuleRecord, ServerRecord, ServerStatus, StateBackend,
} from "./types";

/** A row as a driver returns it. */
export type Row = Record<string, unknown>;
/** A parameter value: what both drivers bind. */
export type SqlValue = string | number | null;

/** One open transaction. Parameterized statements only: values never go into the SQL text. */
export interface Tx {
  /** The first row of a query, or undefined. */
  get(sql: string, params?: SqlValue[]): Promise<Row | undefined>;
  /** Every row of a query. */
  all(sql: string, params?: SqlValue[]): Promise<Row[]>;
  /** Runs a statement; the number of rows it changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
}

/** What a database brings: transactions with the isolation the store relies on, and migrations. */
export interface SqlDriver {
  /** `sqlite` or `postgres`. */
  readonly kind: string;
  /** Where the database lives, password masked. */
  readonly location: string;
  /** Runs `body` in one write transaction that sees the latest committed state; may run it again. */
  write<T>(body: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs `body` in one read-only snapshot. */
  read<T>(body: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Applies the pending migrations, once across processes: calls `apply` with the number of
   * migrations already applied, under a lock, in one transaction, and records the new number.
   */
  migrate(apply: (tx: Tx, applied: number) => Promise<number>): Promise<void>;
  /** The database's own consistency checks (e.g. SQLite's integrity_check), as problems; [] when fine. */
  checkDatabase?(): Promise<string[]>;
  close(): Promise<void>;
}

/** One schema migration: DDL (portable types; see the header), or code for what SQL cannot compute. */
export type Migration = string | ((tx: Tx) => Promise<void>);

/** Schema migrations, applied in order; both drivers record how many have been applied. */
export const MIGRATIONS: Migration[] = [
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
  async (tx) => {
    await tx.run("ALTER TABLE security_group_rules ADD COLUMN rule_key TEXT");
    for (const row of await tx.all("SELECT * FROM security_group_rules")) {
      const rule = ruleFromRow(row);
      await tx.run("UPDATE security_group_rules SET rule_key = ? WHERE id = ?", [ruleKey(canonicalRuleOf(rule)), rule.id]);
    }
    await tx.run("CREATE UNIQUE INDEX security_group_rules_key ON security_group_rules (security_group_id, rule_key)");
  },
  // 3: projects, networks, servers, their ports, the groups on each port, and attachments.
  `CREATE TABLE projects (name TEXT PRIMARY KEY, created_at TEXT NOT NULL);
   CREATE TABLE networks (
     project TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, subnets TEXT NOT NULL,
     builtin INTEGER NOT NULL, created_at TEXT NOT NULL,
     PRIMARY KEY (project, id), UNIQUE (project, name)
   );
   CREATE TABLE servers (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, name TEXT NOT NULL, active_at TEXT NOT NULL,
     error INTEGER NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL
   );
   CREATE TABLE ports (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, server_id TEXT NOT NULL REFERENCES servers(id),
     network_id TEXT NOT NULL, fixed_ip TEXT NOT NULL, UNIQUE (project, network_id, fixed_ip)
   );
   CREATE INDEX ports_server ON ports (server_id);
   CREATE TABLE attachments (
     id TEXT PRIMARY KEY, project TEXT NOT NULL, server_id TEXT NOT NULL, security_group_id TEXT NOT NULL,
     network_id TEXT, created_at TEXT NOT NULL
   );
   CREATE TABLE port_groups (
     port_id TEXT NOT NULL REFERENCES ports(id), security_group_id TEXT NOT NULL REFERENCES security_groups(id),
     attachment_id TEXT, PRIMARY KEY (port_id, security_group_id)
   );
   CREATE INDEX port_groups_group ON port_groups (security_group_id);
   CREATE INDEX port_groups_attachment ON port_groups (attachment_id);`,
  // 4: client tokens, which make creates idempotent (a create retried after a crash finds its object).
  `ALTER TABLE security_groups ADD COLUMN client_token TEXT;
   ALTER TABLE security_group_rules ADD COLUMN client_token TEXT;
   ALTER TABLE networks ADD COLUMN client_token TEXT;
   ALTER TABLE servers ADD COLUMN client_token TEXT;
   ALTER TABLE attachments ADD COLUMN client_token TEXT;
   CREATE INDEX security_groups_token ON security_groups (project, client_token);
   CREATE INDEX security_group_rules_token ON security_group_rules (project, client_token);
   CREATE INDEX networks_token ON networks (project, client_token);
   CREATE INDEX servers_token ON servers (project, client_token);
   CREATE INDEX attachments_token ON attachments (project, client_token);`,
  // 5: which program resource manages a rule (its URN), so a group can list the rules no
  // resource of its own stack manages (added by another stack, the CLI, or by hand).
  `ALTER TABLE security_group_rules ADD COLUMN managed_by TEXT;`,
  // 6: the number of rules of each project, kept by every insert and delete of a rule in the same
  // transaction, so that the quota check of a rule create reads one row instead of counting every
  // rule of the project (which made a create in a project of 10 000 rules twice as slow as in one
  // of 1 000; see bench/README.md, backend scaling).
  `CREATE TABLE project_rule_counts (project TEXT PRIMARY KEY, rules INTEGER NOT NULL);
   INSERT INTO project_rule_counts (project, rules) SELECT project, COUNT(*) FROM security_group_rules GROUP BY project`,
];

/** Tables whose rows a create makes, and so may carry a client token. */
type TokenTable = "security_groups" | "security_group_rules" | "networks" | "servers" | "attachments";

/** The last timestamp this process handed out (ms since the epoch). */
let lastIssued = 0;

/**
 * A timestamp strictly after `previous` and after every one this process handed out before (ISO
 * 8601 UTC, milliseconds), so that objects one process creates list in creation order.
 */
export function nextTimestamp(previous?: string): string {
  const floor = previous ? Date.parse(previous) + 1 : 0;
  lastIssued = Math.max(Date.now(), floor, lastIssued + 1);
  return new Date(lastIssued).toISOString();
}

function flag(v: unknown): boolean {
  return Number(v) === 1;
}

function nullableString(v: unknown): string | null {
  return v === null || v === undefined ? null : String(v);
}

function nullableNumber(v: unknown): number | null {
  return v === null || v === undefined ? null : Number(v);
}

function groupFromRow(r: Row): GroupRecord {
  return {
    id: String(r.id),
    project: String(r.project),
    name: String(r.name),
    description: String(r.description),
    stateful: flag(r.stateful),
    tags: JSON.parse(String(r.tags)) as string[],
    revisionNumber: Number(r.revision_number),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
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
    isDefault: flag(r.is_default),
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
    ...(r.managed_by !== null && r.managed_by !== undefined ? { managedBy: String(r.managed_by) } : {}),
  };
}

/** The first column `n` of a COUNT query (PostgreSQL returns bigint as a string). */
async function count(tx: Tx, sql: string, params: SqlValue[]): Promise<number> {
  return Number((await tx.get(sql, params))?.n ?? 0);
}

/** The state backend over any SqlDriver. Migrates on first use, so opening it does no I/O. */
export class SqlStore implements StateBackend {
  readonly kind: string;
  readonly location: string;
  private ready: Promise<void> | undefined;

  constructor(private readonly driver: SqlDriver) {
    this.kind = driver.kind;
    this.location = driver.location;
  }

  /** Applies pending migrations (once per store; every operation waits for it). */
  migrate(): Promise<void> {
    this.ready ??= this.driver.migrate(async (tx, applied) => {
      for (let v = applied; v < MIGRATIONS.length; v++) {
        const step = MIGRATIONS[v]!;
        if (typeof step === "string") {
          for (const statement of step.split(";").map((s) => s.trim()).filter(Boolean)) await tx.run(statement);
        } else {
          await step(tx);
        }
      }
      return MIGRATIONS.length;
    }).catch((err: unknown) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrate();
    return this.driver.write(body);
  }

  private async read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    await this.migrate();
    return this.driver.read(body);
  }

  private async groupRow(tx: Tx, project: string, id: string): Promise<GroupRecord | undefined> {
    const row = (await tx.get("SELECT * FROM security_groups WHERE project = ? AND id = ?", [project, id]));
    return row ? groupFromRow(row) : undefined;
  }

  /**
   * The group a server or attachment names: by id, or by name in the project (as the openstack
   * CLI takes either), so a program can use the profile's default groups, whose ids the cloud picks.
   */
  private async groupByIdOrName(tx: Tx, project: string, idOrName: string): Promise<GroupRecord | undefined> {
    return (await this.groupRow(tx, project, idOrName)) ?? this.groupByName(tx, project, idOrName);
  }

  private async defaultRuleIds(tx: Tx, groupId: string): Promise<string[]> {
    const rows = (await tx.all("SELECT id FROM security_group_rules WHERE security_group_id = ? AND is_default = 1 ORDER BY created_at, ethertype", [groupId]));
    return rows.map((r) => String(r.id));
  }

  private nameTaken(project: string, name: string, existing: GroupRecord): SecgroupsError {
    return new SecgroupsError("SG_NAME_TAKEN", {
      property: "name",
      problem: `project ${project} already has a security group named ${showValue(name)} (id ${existing.id})`,
      value: name,
      allowed: "a name no other group in the project uses",
      fix: `choose another name or another secgroups:project, or destroy group ${existing.id} in the stack that owns it`,
    });
  }

  private async insertDefaultRules(tx: Tx, group: GroupRecord, rules: DefaultRuleSpec[], at: string): Promise<void> {
    for (const rule of rules) {
      await this.insertRule(tx, {
        securityGroupId: group.id, direction: rule.direction, ethertype: rule.ethertype, protocol: null,
        portRangeMin: null, portRangeMax: null, remoteIpPrefix: null, remoteGroupId: null, remoteSubnetId: null,
        description: "",
        key: ruleKey({ securityGroupId: group.id, direction: rule.direction, ethertype: rule.ethertype, protocol: "any", description: "" }),
      }, group.project, true, at);
    }
  }

  private async insertRule(tx: Tx, rule: NewRule, project: string, isDefault: boolean, at: string): Promise<RuleRecord> {
    const record: RuleRecord = {
      id: randomUUID(), project, securityGroupId: rule.securityGroupId, direction: rule.direction,
      ethertype: rule.ethertype, protocol: rule.protocol, portRangeMin: rule.portRangeMin,
      portRangeMax: rule.portRangeMax, remoteIpPrefix: rule.remoteIpPrefix, remoteGroupId: rule.remoteGroupId,
      remoteSubnetId: rule.remoteSubnetId, description: rule.description, isDefault, createdAt: at, updatedAt: at,
      ...(rule.managedBy ? { managedBy: rule.managedBy } : {}),
    };
    (await tx.run(`INSERT INTO security_group_rules (id, project, security_group_id, direction, ethertype, protocol,
         port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_subnet_id, description,
         is_default, created_at, updated_at, rule_key, managed_by)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, [record.id, project, record.securityGroupId, record.direction, record.ethertype, record.protocol,
      record.portRangeMin, record.portRangeMax, record.remoteIpPrefix, record.remoteGroupId, record.remoteSubnetId,
      record.description, isDefault ? 1 : 0, at, at, rule.key, rule.managedBy ?? null]));
    await this.countRules(tx, project, 1);
    return record;
  }

  /** Adds `delta` to the project's rule count; every insert and delete of rules calls it in its transaction. */
  private async countRules(tx: Tx, project: string, delta: number): Promise<void> {
    if (delta === 0) return;
    await tx.run(`INSERT INTO project_rule_counts (project, rules) VALUES (?, ?)
       ON CONFLICT (project) DO UPDATE SET rules = project_rule_counts.rules + excluded.rules`, [project, delta]);
  }

  /**
   * The row that an earlier create with the same client token made, or undefined. A client token
   * names one create request (the resource's URN and its inputs; see provider/resources/common.ts):
   * when the process dies after the backend committed but before the engine recorded the result,
   * the retried create finds its object here and returns it instead of making a second one.
   */
  private async byToken(tx: Tx, table: TokenTable, project: string, token: string | undefined): Promise<Row | undefined> {
    if (!token) return undefined;
    return tx.get(`SELECT * FROM ${table} WHERE project = ? AND client_token = ?`, [project, token]);
  }

  /** Records the client token of the create that made row `id` (same transaction). */
  private async setToken(tx: Tx, table: TokenTable, project: string, id: string, token: string | undefined): Promise<void> {
    if (token) await tx.run(`UPDATE ${table} SET client_token = ? WHERE project = ? AND id = ?`, [token, project, id]);
  }

  /** Bumps a group's revision (and updatedAt) by `by`, inside the caller's transaction. */
  private async bumpGroup(tx: Tx, id: string, by: number): Promise<void> {
    const row = (await tx.get("SELECT updated_at FROM security_groups WHERE id = ?", [id]));
    if (!row) return;
    (await tx.run("UPDATE security_groups SET revision_number = revision_number + ?, updated_at = ? WHERE id = ?", [by, nextTimestamp(String(row.updated_at)), id]));
  }

  async createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
    return this.write(async (tx) => {
      const groupRow = (await tx.get("SELECT * FROM security_groups WHERE id = ?", [rule.securityGroupId]));
      if (!groupRow) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "securityGroupId",
          problem: `security group ${rule.securityGroupId} does not exist`,
          value: rule.securityGroupId,
          fix: "pass the id of an existing group (e.g. group.id of a SecurityGroup in the program)",
        });
      }
      const group = groupFromRow(groupRow);
      const retried = await this.byToken(tx, "security_group_rules", group.project, rule.clientToken);
      if (retried) return ruleFromRow(retried);
      if (rule.remoteGroupId !== null && !await this.groupRow(tx, group.project, rule.remoteGroupId)) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "remoteGroupId",
          problem: `remote security group ${rule.remoteGroupId} does not exist in project ${group.project}`,
          value: rule.remoteGroupId,
          fix: "pass the id of an existing group of the same project",
        });
      }
      const dup = (await tx.get("SELECT * FROM security_group_rules WHERE security_group_id = ? AND rule_key = ?", [rule.securityGroupId, rule.key]));
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
      const countIn = (sql: string, arg: string) => count(tx, sql, [arg]);
      if (limits.rulesPerGroup !== undefined) {
        const n = await countIn("SELECT COUNT(*) AS n FROM security_group_rules WHERE security_group_id = ?", group.id);
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
        const n = await countIn("SELECT rules AS n FROM project_rule_counts WHERE project = ?", group.project);
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
      const record = await this.insertRule(tx, rule, group.project, false, nextTimestamp());
      await this.setToken(tx, "security_group_rules", group.project, record.id, rule.clientToken);
      await this.bumpGroup(tx, group.id, 1);
      return record;
    });
  }

  async getRule(project: string, id: string): Promise<RuleRecord | undefined> {
    return this.read(async (tx) => {
      const row = (await tx.get("SELECT * FROM security_group_rules WHERE project = ? AND id = ?", [project, id]));
      return row ? ruleFromRow(row) : undefined;
    });
  }

  async updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord> {
    return this.write(async (tx) => {
      const row = (await tx.get("SELECT * FROM security_group_rules WHERE project = ? AND id = ?", [project, id]));
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
      (await tx.run("UPDATE security_group_rules SET description = ?, updated_at = ? WHERE id = ?", [description, at, id]));
      return { ...current, description, updatedAt: at };
    });
  }

  async deleteRule(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const row = (await tx.get("SELECT security_group_id FROM security_group_rules WHERE project = ? AND id = ?", [project, id]));
      if (!row) return false;
      (await tx.run("DELETE FROM security_group_rules WHERE id = ?", [id]));
      await this.countRules(tx, project, -1);
      await this.bumpGroup(tx, String(row.security_group_id), 1);
      return true;
    });
  }

  async createGroup(input: NewGroup): Promise<GroupState> {
    return this.write(async (tx) => {
      const retried = await this.byToken(tx, "security_groups", input.project, input.clientToken);
      if (retried) return { group: groupFromRow(retried), defaultRuleIds: await this.defaultRuleIds(tx, String(retried.id)) };
      const existing = (await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ?", [input.project, input.name]));
      if (existing) throw this.nameTaken(input.project, input.name, groupFromRow(existing));
      if (input.groupQuota !== undefined) {
        const groups = await count(tx, "SELECT COUNT(*) AS n FROM security_groups WHERE project = ?", [input.project]);
        if (groups >= input.groupQuota) {
          throw new SecgroupsError("SG_QUOTA_EXCEEDED", {
            property: "project",
            problem: `project ${input.project} already holds ${groups} security groups, its quota`,
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
      (await tx.run(`INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [group.id, group.project, group.name, group.description, group.stateful ? 1 : 0,
          JSON.stringify(group.tags), group.revisionNumber, group.createdAt, group.updatedAt]));
      await this.insertDefaultRules(tx, group, input.defaultRules, at);
      await this.setToken(tx, "security_groups", group.project, group.id, input.clientToken);
      return { group, defaultRuleIds: await this.defaultRuleIds(tx, group.id) };
    });
  }

  async getGroup(project: string, id: string): Promise<GroupState | undefined> {
    return this.read(async (tx) => {
      const group = await this.groupRow(tx, project, id);
      return group ? { group, defaultRuleIds: await this.defaultRuleIds(tx, id) } : undefined;
    });
  }

  async findGroupByName(project: string, name: string): Promise<GroupRecord | undefined> {
    return this.read(async (tx) => {
      const row = (await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ?", [project, name]));
      return row ? groupFromRow(row) : undefined;
    });
  }

  async listGroups(project: string): Promise<GroupRecord[]> {
    return this.read(async (tx) => {
      const rows = (await tx.all("SELECT * FROM security_groups WHERE project = ? ORDER BY name", [project]));
      return rows.map(groupFromRow);
    });
  }

  async updateGroup(project: string, id: string, patch: GroupPatch): Promise<GroupState> {
    return this.write(async (tx) => {
      const current = await this.groupRow(tx, project, id);
      if (!current) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "id",
          problem: `security group ${id} does not exist in project ${project}`,
          value: id,
          fix: "run `pulumi refresh` to drop it from the stack, then `pulumi up` to create it again",
        });
      }
      if (patch.name !== undefined && patch.name !== current.name) {
        const clash = (await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ? AND id <> ?", [project, patch.name, id]));
        if (clash) throw this.nameTaken(project, patch.name, groupFromRow(clash));
      }
      if (patch.stateful !== undefined && patch.stateful !== current.stateful) {
        const ports = await count(tx, "SELECT COUNT(*) AS n FROM port_groups WHERE security_group_id = ?", [id]);
        if (ports > 0) {
          throw new SecgroupsError("SG_IN_USE", {
            property: "stateful",
            problem: `security group ${current.name} (${id}) is on ${ports} port(s); stateful can only change while no port uses the group (Neutron)`,
            value: patch.stateful,
            fix: "detach the group from its servers, change stateful, and attach it again",
          });
        }
      }
      let revision = current.revisionNumber + 1;
      const at = nextTimestamp(current.updatedAt);
      if (patch.deleteDefaultRules === true) {
        const removed = await tx.run("DELETE FROM security_group_rules WHERE security_group_id = ? AND is_default = 1", [id]);
        await this.countRules(tx, project, -removed);
        revision += removed;
      } else if (patch.deleteDefaultRules === false && (await this.defaultRuleIds(tx, id)).length === 0) {
        const rules = patch.defaultRules ?? [];
        for (const rule of rules) {
          const key = ruleKey({ securityGroupId: id, direction: rule.direction, ethertype: rule.ethertype, protocol: "any", description: "" });
          const clash = (await tx.get("SELECT id FROM security_group_rules WHERE security_group_id = ? AND rule_key = ?", [id, key]));
          if (clash) {
            throw new SecgroupsError("SG_RULE_EXISTS", {
              property: "deleteDefaultRules",
              problem: `group ${current.name} already has rule ${String(clash.id)}, which equals its default ${rule.direction} ${rule.ethertype} rule`,
              value: false,
              fix: `keep deleteDefaultRules: true, or delete rule ${String(clash.id)} first`,
            });
          }
        }
        await this.insertDefaultRules(tx, current, rules, at);
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
      (await tx.run(`UPDATE security_groups SET name = ?, description = ?, stateful = ?, tags = ?, revision_number = ?, updated_at = ?
           WHERE id = ?`, [next.name, next.description, next.stateful ? 1 : 0, JSON.stringify(next.tags), next.revisionNumber, next.updatedAt, id]));
      return { group: next, defaultRuleIds: await this.defaultRuleIds(tx, id) };
    });
  }

  async deleteGroup(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const group = await this.groupRow(tx, project, id);
      if (!group) return false;
      // Refuse while anything holds the group (Neutron's 409 SecurityGroupInUse; nothing cascades).
      const ports = (await tx.all(`SELECT s.name AS server, p.id AS port, n.name AS network FROM port_groups pg
           JOIN ports p ON p.id = pg.port_id JOIN servers s ON s.id = p.server_id
           JOIN networks n ON n.project = p.project AND n.id = p.network_id
         WHERE pg.security_group_id = ? ORDER BY s.name, n.name`, [id]));
      const rules = (await tx.all(`SELECT r.id AS rule, g.name AS grp FROM security_group_rules r JOIN security_groups g ON g.id = r.security_group_id
         WHERE r.remote_group_id = ? AND r.security_group_id <> ? ORDER BY g.name, r.id`, [id, id]));
      if (ports.length || rules.length) {
        const holders = [
          ...ports.map((p) => `server ${String(p.server)} port ${String(p.port)} on network ${String(p.network)}`),
          ...rules.map((r) => `rule ${String(r.rule)} of group ${String(r.grp)}`),
        ];
        throw new SecgroupsError("SG_IN_USE", {
          property: "id",
          problem: `security group ${group.name} (${id}) is still in use by ${holders.join("; ")}`,
          value: id,
          fix: "detach the group from those ports and delete or change those rules first; nothing is removed automatically",
        });
      }
      await this.countRules(tx, project, -await tx.run("DELETE FROM security_group_rules WHERE security_group_id = ?", [id]));
      (await tx.run("DELETE FROM security_groups WHERE id = ?", [id]));
      return true;
    });
  }

  // ---- projects, networks, servers, attachments -------------------------------------------

  async ensureProject(project: string, setup: ProjectSetup): Promise<void> {
    if (await this.read(async (tx) => (await tx.get("SELECT 1 AS x FROM projects WHERE name = ?", [project])) !== undefined)) return;
    await this.write(async (tx) => {
      if ((await tx.get("SELECT 1 AS x FROM projects WHERE name = ?", [project]))) return;
      const at = nextTimestamp();
      for (const n of setup.builtinNetworks) {
        (await tx.run("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES (?, ?, ?, ?, 1, ?)", [project, n.id, n.name, JSON.stringify(n.subnets), at]));
      }
      for (const g of setup.defaultGroups) {
        const id = randomUUID();
        (await tx.run(`INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, '[]', ?, ?, ?)`, [id, project, g.name, g.description, g.rules.length, at, at]));
        for (const r of g.rules) {
          const { remoteMembers, ...rest } = r;
          const rule: NewRule = { ...rest, securityGroupId: id, remoteGroupId: remoteMembers ? id : null, key: "" };
          rule.key = ruleKey(canonicalRuleOf({ ...rule, id: "", project, isDefault: true, createdAt: at, updatedAt: at }));
          await this.insertRule(tx, rule, project, true, at);
        }
      }
      (await tx.run("INSERT INTO projects (name, created_at) VALUES (?, ?)", [project, at]));
    });
  }

  private async networkRow(tx: Tx, project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    const row = (await tx.get("SELECT * FROM networks WHERE project = ? AND (id = ? OR name = ?)", [project, idOrName, idOrName]));
    if (!row) return undefined;
    return {
      id: String(row.id), project: String(row.project), name: String(row.name),
      subnets: JSON.parse(String(row.subnets)) as string[], builtin: Number(row.builtin) === 1, createdAt: String(row.created_at),
    };
  }

  async createNetwork(project: string, name: string, subnets: string[], clientToken?: string): Promise<NetworkRecord> {
    return this.write(async (tx) => {
      const retried = await this.byToken(tx, "networks", project, clientToken);
      if (retried) return (await this.networkRow(tx, project, String(retried.id)))!;
      const existing = await this.networkRow(tx, project, name);
      if (existing && existing.name === name) {
        throw new SecgroupsError("SG_NAME_TAKEN", {
          property: "name",
          problem: `project ${project} already has a network named ${showValue(name)} (id ${existing.id})`,
          value: name,
          fix: "choose another name",
        });
      }
      const record: NetworkRecord = { id: randomUUID(), project, name, subnets, builtin: false, createdAt: nextTimestamp() };
      (await tx.run("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES (?, ?, ?, ?, 0, ?)", [project, record.id, name, JSON.stringify(subnets), record.createdAt]));
      await this.setToken(tx, "networks", project, record.id, clientToken);
      return record;
    });
  }

  async getNetwork(project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    return this.read(async (tx) => {
      return await this.networkRow(tx, project, idOrName);
    });
  }

  async listNetworks(project: string): Promise<NetworkRecord[]> {
    return this.read(async (tx) => {
      const rows = await tx.all("SELECT id FROM networks WHERE project = ? ORDER BY name, id", [project]);
      const out: NetworkRecord[] = [];
      for (const row of rows) out.push((await this.networkRow(tx, project, String(row.id)))!);
      return out;
    });
  }

  async deleteNetwork(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const network = await this.networkRow(tx, project, id);
      if (!network || network.id !== id) return false;
      if (network.builtin) {
        throw new SecgroupsError("SG_IN_USE", {
          property: "id",
          problem: `network ${network.name} (${id}) is a built-in network of every project and cannot be deleted`,
          value: id,
          fix: "remove the Network resource from the program with `pulumi state delete` (it only adopted the network)",
        });
      }
      const users = (await tx.all("SELECT p.id AS port, s.name AS server FROM ports p JOIN servers s ON s.id = p.server_id WHERE p.project = ? AND p.network_id = ?", [project, id]));
      if (users.length) {
        throw new SecgroupsError("SG_IN_USE", {
          property: "id",
          problem: `network ${network.name} (${id}) still has ports: ${users.map((u) => `server ${String(u.server)} port ${String(u.port)}`).join(", ")}`,
          value: id,
          fix: "delete the servers on the network first",
        });
      }
      (await tx.run("DELETE FROM networks WHERE project = ? AND id = ?", [project, id]));
      return true;
    });
  }

  private async serverRow(tx: Tx, project: string, id: string): Promise<ServerRecord | undefined> {
    const row = (await tx.get("SELECT * FROM servers WHERE project = ? AND id = ?", [project, id]));
    if (!row) return undefined;
    const status: ServerStatus = Number(row.error) === 1 ? "ERROR" : Date.now() < Date.parse(String(row.active_at)) ? "BUILD" : "ACTIVE";
    const ports: PortRecord[] = [];
    const portRows = await tx.all(
      `SELECT p.*, n.name AS network_name FROM ports p JOIN networks n ON n.project = p.project AND n.id = p.network_id
       WHERE p.server_id = ? ORDER BY n.name, p.id`, [id]);
    for (const p of portRows) {
      const groups = await tx.all("SELECT security_group_id FROM port_groups WHERE port_id = ? ORDER BY security_group_id", [String(p.id)]);
      ports.push({
        id: String(p.id), serverId: id, networkId: String(p.network_id), networkName: String(p.network_name), fixedIp: String(p.fixed_ip),
        securityGroupIds: groups.map((g) => String(g.security_group_id)),
      });
    }
    return {
      id, project, name: String(row.name), status, activeAt: String(row.active_at),
      createdAt: String(row.created_at), updatedAt: String(row.updated_at), ports,
    };
  }

  private notFound(code: "SG_SERVER_NOT_FOUND" | "SG_NETWORK_NOT_FOUND" | "SG_GROUP_NOT_FOUND", property: string, what: string, value: string, project: string): SecgroupsError {
    return new SecgroupsError(code, {
      property,
      problem: `${what} ${value} does not exist in project ${project}`,
      value,
      fix: `pass the id${what === "network" ? " or name" : ""} of an existing ${what} of the project`,
    });
  }

  private async groupByName(tx: Tx, project: string, name: string): Promise<GroupRecord | undefined> {
    const row = (await tx.get("SELECT * FROM security_groups WHERE project = ? AND name = ?", [project, name]));
    return row ? groupFromRow(row) : undefined;
  }

  private async freeAddress(tx: Tx, project: string, network: NetworkRecord): Promise<string> {
    const used = new Set(((await tx.all("SELECT fixed_ip FROM ports WHERE project = ? AND network_id = ?", [project, network.id])))
      .map((r) => String(r.fixed_ip)));
    for (const subnet of network.subnets) {
      // Skip the network address and the gateway (.1); leave out the IPv4 broadcast address.
      const last = networkSize(subnet) - (subnet.includes(":") ? 1 : 2);
      for (let n = 2; n <= last; n++) {
        const ip = addressAt(subnet, n);
        if (ip === undefined) break;
        if (!used.has(ip)) return ip;
      }
    }
    throw new SecgroupsError("SG_NO_ADDRESSES", {
      property: "networks",
      problem: `network ${network.name} has no free address left in ${network.subnets.join(", ")}`,
      value: network.name,
      fix: "add a subnet to the network or delete servers on it",
    });
  }

  async createServer(server: NewServer, policy: AttachmentPolicy): Promise<ServerRecord> {
    return this.write(async (tx) => {
      const retried = await this.byToken(tx, "servers", server.project, server.clientToken);
      if (retried) return (await this.serverRow(tx, server.project, String(retried.id)))!;
      if (server.securityGroupIds.length && !policy.groupsAtLaunch) {
        throw new SecgroupsError("SG_ATTACH_AT_BOOT", {
          property: "securityGroupIds",
          problem: `profile ${policy.profile} applies security groups only to a server that is ACTIVE, never at launch`,
          value: server.securityGroupIds,
          fix: "launch the server without securityGroupIds and attach each group with a ServerAttachment",
        });
      }
      const networks: NetworkRecord[] = [];
      for (const [i, n] of server.networks.entries()) {
        const network = await this.networkRow(tx, server.project, n);
        if (!network) throw this.notFound("SG_NETWORK_NOT_FOUND", `networks[${i}]`, "network", n, server.project);
        networks.push(network);
      }
      let groups: GroupRecord[] = [];
      for (const [i, g] of server.securityGroupIds.entries()) {
        const group = await this.groupByIdOrName(tx, server.project, g);
        if (!group) throw this.notFound("SG_GROUP_NOT_FOUND", `securityGroupIds[${i}]`, "security group", g, server.project);
        groups.push(group);
      }
      if (!groups.length && policy.launchGroup) {
        const launch = await this.groupByName(tx, server.project, policy.launchGroup);
        if (launch) groups = [launch];
      }
      if (groups.length < policy.minGroupsPerServer) {
        throw new SecgroupsError("SG_MIN_GROUPS", {
          property: "securityGroupIds",
          problem: `server ${server.name} would launch with ${groups.length} security groups; profile ${policy.profile} requires at least ${policy.minGroupsPerServer}`,
          value: server.securityGroupIds,
          fix: "name a group, or leave securityGroupIds out to get the profile's launch group",
        });
      }
      if (policy.groupsPerPort !== undefined && groups.length > policy.groupsPerPort) {
        throw new SecgroupsError("SG_LIMIT_GROUPS_PER_PORT", {
          property: "securityGroupIds",
          problem: `server ${server.name} would get ${groups.length} security groups on each network (limit of profile ${policy.profile}: ${policy.groupsPerPort})`,
          value: server.securityGroupIds,
          allowed: `at most ${policy.groupsPerPort} groups per network per server`,
          fix: "merge groups, or attach fewer",
        });
      }
      this.assertNoStatefulMix(groups, server.name, "securityGroupIds");
      const at = nextTimestamp();
      const id = randomUUID();
      const activeAt = new Date(Date.now() + server.bootSeconds * 1000).toISOString();
      (await tx.run("INSERT INTO servers (id, project, name, active_at, error, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)", [id, server.project, server.name, activeAt, at, at]));
      await this.setToken(tx, "servers", server.project, id, server.clientToken);
      for (const network of networks) {
        const portId = randomUUID();
        (await tx.run("INSERT INTO ports (id, project, server_id, network_id, fixed_ip) VALUES (?, ?, ?, ?, ?)", [portId, server.project, id, network.id, await this.freeAddress(tx, server.project, network)]));
        if (this.attachable(network, policy)) {
          for (const g of groups) {
            (await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, NULL)", [portId, g.id]));
          }
        }
      }
      return (await this.serverRow(tx, server.project, id))!;
    });
  }

  async getServer(project: string, id: string): Promise<ServerRecord | undefined> {
    return this.read(async (tx) => {
      return await this.serverRow(tx, project, id);
    });
  }

  async groupProject(id: string): Promise<string | undefined> {
    return this.read(async (tx) => {
      const row = (await tx.get("SELECT project FROM security_groups WHERE id = ?", [id]));
      return row ? String(row.project) : undefined;
    });
  }

  async setRuleManagedBy(project: string, id: string, managedBy: string): Promise<void> {
    await this.write(async (tx) => {
      await tx.run("UPDATE security_group_rules SET managed_by = ? WHERE project = ? AND id = ?", [managedBy, project, id]);
    });
  }

  async serverProject(id: string): Promise<string | undefined> {
    return this.read(async (tx) => {
      const row = (await tx.get("SELECT project FROM servers WHERE id = ?", [id]));
      return row ? String(row.project) : undefined;
    });
  }

  async setServerError(project: string, id: string): Promise<void> {
    await this.write(async (tx) => {
      const current = await this.serverRow(tx, project, id);
      if (!current) throw this.notFound("SG_SERVER_NOT_FOUND", "id", "server", id, project);
      (await tx.run("UPDATE servers SET error = 1, updated_at = ? WHERE id = ?", [nextTimestamp(current.updatedAt), id]));
    });
  }

  async deleteServer(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      if (!await this.serverRow(tx, project, id)) return false;
      (await tx.run("DELETE FROM port_groups WHERE port_id IN (SELECT id FROM ports WHERE server_id = ?)", [id]));
      (await tx.run("DELETE FROM ports WHERE server_id = ?", [id]));
      (await tx.run("DELETE FROM attachments WHERE server_id = ?", [id]));
      (await tx.run("DELETE FROM servers WHERE id = ?", [id]));
      return true;
    });
  }

  private attachable(network: NetworkRecord, policy: AttachmentPolicy): boolean {
    return policy.attachableNetworks === undefined || policy.attachableNetworks.includes(network.name);
  }

  private alreadyAttached(group: GroupRecord, server: ServerRecord, port: PortRecord): SecgroupsError {
    return new SecgroupsError("SG_ALREADY_ATTACHED", {
      property: "securityGroupId",
      problem: `group ${group.name} is already on server ${server.name}'s port on network ${port.networkName}`,
      value: group.id,
      fix: "remove the duplicate attachment from the program",
    });
  }

  private assertNoStatefulMix(groups: GroupRecord[], serverName: string, property: string): void {
    const stateful = groups.filter((g) => g.stateful);
    if (stateful.length && stateful.length < groups.length) {
      const stateless = groups.filter((g) => !g.stateful);
      throw new SecgroupsError("SG_STATEFUL_MIX", {
        property,
        problem: `server ${serverName} would carry stateful (${stateful.map((g) => g.name).join(", ")}) and stateless (${stateless.map((g) => g.name).join(", ")}) security groups on one port`,
        value: groups.map((g) => g.id),
        allowed: "only stateful or only stateless groups on one port",
        fix: "make the groups agree on `stateful`, or put them on different networks",
      });
    }
  }

  private async attachmentRow(tx: Tx, project: string, id: string): Promise<AttachmentRecord | undefined> {
    const row = (await tx.get("SELECT * FROM attachments WHERE project = ? AND id = ?", [project, id]));
    if (!row) return undefined;
    const portIds = ((await tx.all("SELECT DISTINCT port_id FROM port_groups WHERE attachment_id = ? ORDER BY port_id", [id])))
      .map((r) => String(r.port_id));
    return {
      id, project, serverId: String(row.server_id), securityGroupId: String(row.security_group_id),
      networkId: row.network_id === null ? null : String(row.network_id), portIds, createdAt: String(row.created_at),
    };
  }

  /** Groups on a port other than the fallback group (which only holds while nothing else does). */
  private async portGroups(tx: Tx, portId: string, fallbackId: string | undefined): Promise<GroupRecord[]> {
    return ((await tx.all("SELECT g.* FROM port_groups pg JOIN security_groups g ON g.id = pg.security_group_id WHERE pg.port_id = ?", [portId])))
      .map(groupFromRow)
      .filter((g) => g.id !== fallbackId);
  }

  async createAttachment(
    project: string, serverId: string, securityGroupId: string, network: string | null, policy: AttachmentPolicy, clientToken?: string,
  ): Promise<AttachmentRecord> {
    return this.write(async (tx) => {
      const retried = await this.byToken(tx, "attachments", project, clientToken);
      if (retried) return (await this.attachmentRow(tx, project, String(retried.id)))!;
      const server = await this.serverRow(tx, project, serverId);
      if (!server) throw this.notFound("SG_SERVER_NOT_FOUND", "serverId", "server", serverId, project);
      if (server.status !== "ACTIVE") {
        throw new SecgroupsError("SG_SERVER_NOT_ACTIVE", {
          property: "serverId",
          problem: `server ${server.name} (${server.id}) is ${server.status}; security groups attach only to an ACTIVE server`,
          value: serverId,
          fix: server.status === "ERROR" ? "rebuild or replace the server" : "wait for the server to boot (raise waitForActiveSeconds)",
        });
      }
      const group = await this.groupByIdOrName(tx, project, securityGroupId);
      if (!group) throw this.notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", securityGroupId, project);
      const attachableNames = policy.attachableNetworks?.join(", ") ?? "every network";
      let ports: PortRecord[];
      let networkId: string | null = null;
      if (network !== null) {
        const net = await this.networkRow(tx, project, network);
        if (!net) throw this.notFound("SG_NETWORK_NOT_FOUND", "network", "network", network, project);
        if (!this.attachable(net, policy)) {
          throw new SecgroupsError("SG_NETWORK_NOT_ATTACHABLE", {
            property: "network",
            problem: `profile ${policy.profile} applies security groups only to ports on ${attachableNames}, not on ${net.name}`,
            value: network,
            allowed: attachableNames,
            fix: "attach on one of those networks",
          });
        }
        ports = server.ports.filter((p) => p.networkId === net.id);
        if (!ports.length) {
          throw new SecgroupsError("SG_NETWORK_NOT_FOUND", {
            property: "network",
            problem: `server ${server.name} has no port on network ${net.name}`,
            value: network,
            allowed: server.ports.map((p) => p.networkName).join(", "),
            fix: "attach on a network the server is on",
          });
        }
        networkId = net.id;
      } else {
        ports = [];
        for (const p of server.ports) {
          if (this.attachable((await this.networkRow(tx, project, p.networkId))!, policy)) ports.push(p);
        }
        if (!ports.length) {
          throw new SecgroupsError("SG_NETWORK_NOT_ATTACHABLE", {
            property: "network",
            problem: `server ${server.name} has no port on a network that takes security groups under profile ${policy.profile}`,
            value: null,
            allowed: attachableNames,
            fix: "launch the server on one of those networks",
          });
        }
      }
      const fallback = policy.fallbackGroup ? await this.groupByName(tx, project, policy.fallbackGroup) : undefined;
      for (const port of ports) {
        const current = await this.portGroups(tx, port.id, fallback?.id);
        if (current.some((g) => g.id === group.id)) throw this.alreadyAttached(group, server, port);
        if (policy.groupsPerPort !== undefined && current.length + 1 > policy.groupsPerPort) {
          throw new SecgroupsError("SG_LIMIT_GROUPS_PER_PORT", {
            property: "securityGroupId",
            problem: `server ${server.name} already has ${current.length} security groups on network ${port.networkName} (limit of profile ${policy.profile})`,
            value: securityGroupId,
            allowed: `at most ${policy.groupsPerPort} groups per network per server`,
            fix: "detach one first",
          });
        }
        this.assertNoStatefulMix([...current, group], server.name, "securityGroupId");
      }
      const id = randomUUID();
      for (const port of ports) {
        if (fallback) (await tx.run("DELETE FROM port_groups WHERE port_id = ? AND security_group_id = ?", [port.id, fallback.id]));
        (await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, ?)", [port.id, group.id, id]));
      }
      (await tx.run("INSERT INTO attachments (id, project, server_id, security_group_id, network_id, created_at) VALUES (?, ?, ?, ?, ?, ?)", [id, project, serverId, group.id, networkId, nextTimestamp()]));
      await this.setToken(tx, "attachments", project, id, clientToken);
      return (await this.attachmentRow(tx, project, id))!;
    });
  }

  async getAttachment(project: string, id: string): Promise<AttachmentRecord | undefined> {
    return this.read(async (tx) => {
      return await this.attachmentRow(tx, project, id);
    });
  }

  async swapAttachment(project: string, id: string, securityGroupId: string, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    return this.write(async (tx) => {
      const attachment = await this.attachmentRow(tx, project, id);
      if (!attachment) {
        throw new SecgroupsError("SG_NOT_FOUND", {
          property: "id", problem: `attachment ${id} does not exist in project ${project}`, value: id,
          fix: "run `pulumi refresh`, then `pulumi up`",
        });
      }
      const server = (await this.serverRow(tx, project, attachment.serverId))!;
      const group = await this.groupByIdOrName(tx, project, securityGroupId);
      if (!group) throw this.notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", securityGroupId, project);
      const fallback = policy.fallbackGroup ? await this.groupByName(tx, project, policy.fallbackGroup) : undefined;
      for (const portId of attachment.portIds) {
        const others = (await this.portGroups(tx, portId, fallback?.id)).filter((g) => g.id !== attachment.securityGroupId);
        const port = server.ports.find((p) => p.id === portId)!;
        if (others.some((g) => g.id === group.id)) throw this.alreadyAttached(group, server, port);
        this.assertNoStatefulMix([...others, group], server.name, "securityGroupId");
      }
      // One port update per port: the old group out and the new one in, so the count never rises.
      for (const portId of attachment.portIds) {
        (await tx.run("DELETE FROM port_groups WHERE port_id = ? AND attachment_id = ?", [portId, id]));
        (await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, ?)", [portId, group.id, id]));
      }
      (await tx.run("UPDATE attachments SET security_group_id = ? WHERE id = ?", [group.id, id]));
      return (await this.attachmentRow(tx, project, id))!;
    });
  }

  async deleteAttachment(project: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
    return this.write(async (tx) => {
      const attachment = await this.attachmentRow(tx, project, id);
      if (!attachment) return false;
      const server = await this.serverRow(tx, project, attachment.serverId);
      (await tx.run("DELETE FROM port_groups WHERE attachment_id = ?", [id]));
      (await tx.run("DELETE FROM attachments WHERE id = ?", [id]));
      if (server) {
        const remaining = await count(tx, "SELECT COUNT(DISTINCT pg.security_group_id) AS n FROM port_groups pg JOIN ports p ON p.id = pg.port_id WHERE p.server_id = ?", [server.id]);
        if (remaining < policy.minGroupsPerServer) {
          throw new SecgroupsError("SG_MIN_GROUPS", {
            property: "securityGroupId",
            problem: `detaching would leave server ${server.name} with ${remaining} security groups; profile ${policy.profile} requires at least ${policy.minGroupsPerServer}`,
            value: attachment.securityGroupId,
            fix: "attach another group to the server before detaching this one",
          });
        }
        const fallback = policy.fallbackGroup ? await this.groupByName(tx, project, policy.fallbackGroup) : undefined;
        if (fallback) {
          for (const portId of attachment.portIds) {
            const left = await count(tx, "SELECT COUNT(*) AS n FROM port_groups WHERE port_id = ?", [portId]);
            if (left === 0) (await tx.run("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES (?, ?, NULL)", [portId, fallback.id]));
          }
        }
      }
      return true;
    });
  }

  async listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]> {
    return this.read(async (tx) => {
      const rows = (securityGroupId === undefined
        ? (await tx.all("SELECT * FROM security_group_rules WHERE project = ? ORDER BY created_at, id", [project]))
        : (await tx.all("SELECT * FROM security_group_rules WHERE project = ? AND security_group_id = ? ORDER BY created_at, id", [project, securityGroupId]))) as Row[];
      return rows.map(ruleFromRow);
    });
  }

  async listServers(project: string): Promise<ServerRecord[]> {
    return this.read(async (tx) => {
      const servers: ServerRecord[] = [];
      for (const row of await tx.all("SELECT id FROM servers WHERE project = ? ORDER BY name, id", [project])) {
        servers.push((await this.serverRow(tx, project, String(row.id)))!);
      }
      return servers;
    });
  }

  async listAttachments(project: string): Promise<AttachmentRecord[]> {
    return this.read(async (tx) => {
      const attachments: AttachmentRecord[] = [];
      for (const row of await tx.all("SELECT id FROM attachments WHERE project = ? ORDER BY created_at, id", [project])) {
        attachments.push((await this.attachmentRow(tx, project, String(row.id)))!);
      }
      return attachments;
    });
  }

  async forgetClientToken(project: string, id: string): Promise<void> {
    const tables: TokenTable[] = ["security_groups", "security_group_rules", "networks", "servers", "attachments"];
    const holding = await this.read(async (tx) => {
      const found: TokenTable[] = [];
      for (const t of tables) {
        if (await tx.get(`SELECT 1 AS x FROM ${t} WHERE project = ? AND id = ? AND client_token IS NOT NULL`, [project, id])) found.push(t);
      }
      return found;
    });
    if (!holding.length) return;
    await this.write(async (tx) => {
      for (const t of holding) await tx.run(`UPDATE ${t} SET client_token = NULL WHERE project = ? AND id = ?`, [project, id]);
    });
  }

  async checkIntegrity(): Promise<string[]> {
    /** Each query yields one row per problem, with its text in column `problem`. */
    const checks = [
      `SELECT 'rule ' || r.id || ' belongs to missing group ' || r.security_group_id AS problem
         FROM security_group_rules r LEFT JOIN security_groups g ON g.id = r.security_group_id WHERE g.id IS NULL`,
      `SELECT 'rule ' || r.id || ' names missing remote group ' || r.remote_group_id AS problem
         FROM security_group_rules r LEFT JOIN security_groups g ON g.id = r.remote_group_id
        WHERE r.remote_group_id IS NOT NULL AND g.id IS NULL`,
      `SELECT 'rule ' || r.id || ' has no duplicate key' AS problem FROM security_group_rules r WHERE r.rule_key IS NULL`,
      `SELECT 'group ' || r.security_group_id || ' holds ' || COUNT(*) || ' rules with key ' || r.rule_key AS problem
         FROM security_group_rules r GROUP BY r.security_group_id, r.rule_key HAVING COUNT(*) > 1`,
      `SELECT 'project ' || c.project || ' counts ' || c.rules || ' rules but holds ' || (SELECT COUNT(*) FROM security_group_rules r WHERE r.project = c.project) AS problem
         FROM project_rule_counts c WHERE c.rules <> (SELECT COUNT(*) FROM security_group_rules r WHERE r.project = c.project)`,
      `SELECT 'project ' || r.project || ' holds ' || COUNT(*) || ' rules but has no rule count' AS problem
         FROM security_group_rules r WHERE NOT EXISTS (SELECT 1 FROM project_rule_counts c WHERE c.project = r.project) GROUP BY r.project`,
      `SELECT 'port ' || p.id || ' belongs to missing server ' || p.server_id AS problem
         FROM ports p LEFT JOIN servers s ON s.id = p.server_id WHERE s.id IS NULL`,
      `SELECT 'port ' || p.id || ' is on missing network ' || p.network_id AS problem
         FROM ports p LEFT JOIN networks n ON n.project = p.project AND n.id = p.network_id WHERE n.id IS NULL`,
      `SELECT 'port ' || pg.port_id || ' carries missing group ' || pg.security_group_id AS problem
         FROM port_groups pg LEFT JOIN security_groups g ON g.id = pg.security_group_id WHERE g.id IS NULL`,
      `SELECT 'missing port ' || pg.port_id || ' carries group ' || pg.security_group_id AS problem
         FROM port_groups pg LEFT JOIN ports p ON p.id = pg.port_id WHERE p.id IS NULL`,
      `SELECT 'port ' || pg.port_id || ' carries group ' || pg.security_group_id || ' for missing attachment ' || pg.attachment_id AS problem
         FROM port_groups pg LEFT JOIN attachments a ON a.id = pg.attachment_id WHERE pg.attachment_id IS NOT NULL AND a.id IS NULL`,
      `SELECT 'attachment ' || a.id || ' is on no port' AS problem
         FROM attachments a WHERE NOT EXISTS (SELECT 1 FROM port_groups pg WHERE pg.attachment_id = a.id)`,
      `SELECT 'attachment ' || a.id || ' belongs to missing server ' || a.server_id AS problem
         FROM attachments a LEFT JOIN servers s ON s.id = a.server_id WHERE s.id IS NULL`,
    ];
    const problems = await this.read(async (tx) => {
      const found: string[] = [];
      for (const sql of checks) for (const row of await tx.all(sql)) found.push(String(row.problem));
      return found;
    });
    if (this.driver.checkDatabase) problems.push(...await this.driver.checkDatabase());
    return problems.sort();
  }

  async close(): Promise<void> {
    await this.driver.close();
  }
}
