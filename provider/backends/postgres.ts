/**
 * The shared backend: one PostgreSQL database (node-postgres), for several stacks and processes.
 *
 * Concurrency (locking choice): every method that changes state runs in ONE transaction on ONE
 * checked-out client at isolation level SERIALIZABLE. PostgreSQL's serializable snapshot isolation
 * guarantees that the invariant checks done inside a transaction (unique names, quotas, duplicate
 * rules, the per-port group limit, the stateful mix) hold for the committed result as if the
 * transactions ran one after another; when two of them conflict, one fails with SQLSTATE 40001
 * (or 40P01 on a deadlock) and is retried from the start, a bounded number of times with a small
 * random back-off. UNIQUE constraints (group names, network names, rule keys, fixed IPs, a group
 * once per port) back this up; a unique violation (23505) from a concurrent writer is retried too,
 * and the retry then reports the domain error (SG_NAME_TAKEN, SG_RULE_EXISTS, ...).
 * Reads run in a REPEATABLE READ READ ONLY transaction, so a server and its ports are one snapshot.
 *
 * The pool is small and lets an idle process exit (`allowExitOnIdle`), so a provider process never
 * hangs on open connections. The password never reaches `location` or an error message.
 */
import { randomUUID } from "node:crypto";
import { Pool, type PoolClient } from "pg";
import { SecgroupsError } from "../errors";
import { canonicalRuleOf, ruleKey } from "../domain/rules";
import { addressAt, networkSize } from "../domain/cidr";
import { maskUrl } from "./index";
import type {
  AttachmentPolicy, AttachmentRecord, DefaultRuleSpec, GroupPatch, GroupRecord, GroupState, NetworkRecord, NewGroup,
  NewRule, NewServer, PortRecord, ProjectSetup, RuleLimits, RuleRecord, ServerRecord, ServerStatus, StateBackend,
} from "./types";

/** Key of the transaction-level advisory lock that serialises schema migrations across processes. */
const MIGRATION_LOCK_KEY = 736_563_677;
/** Most attempts of one transaction that keeps failing with a serialization failure or deadlock. */
const MAX_ATTEMPTS = 12;
/** SQLSTATEs after which the whole transaction is retried. */
const RETRY_CODES = new Set(["40001", "40P01", "23505"]);

type Row = Record<string, unknown>;

/** One open transaction on one checked-out client. */
class Tx {
  constructor(private readonly client: PoolClient) {}

  /** Rows of a parameterized query. */
  async rows(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.client.query(sql, params)).rows as Row[];
  }

  /** The first row of a parameterized query, or undefined. */
  async one(sql: string, params: unknown[] = []): Promise<Row | undefined> {
    return (await this.rows(sql, params))[0];
  }

  /** Runs a parameterized statement; the number of rows it touched. */
  async exec(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.client.query(sql, params)).rowCount ?? 0;
  }
}

/** One schema migration: SQL, or code for what SQL cannot compute. */
type Migration = string | ((tx: Tx) => Promise<void>);

/** Schema migrations, applied in order; `schema_migrations` holds the versions applied (1-based). */
const MIGRATIONS: Migration[] = [
  `CREATE TABLE security_groups (
     id text PRIMARY KEY,
     project text NOT NULL,
     name text NOT NULL,
     description text NOT NULL,
     stateful boolean NOT NULL,
     tags jsonb NOT NULL,
     revision_number integer NOT NULL,
     created_at text NOT NULL,
     updated_at text NOT NULL,
     UNIQUE (project, name)
   );
   CREATE TABLE security_group_rules (
     id text PRIMARY KEY,
     project text NOT NULL,
     security_group_id text NOT NULL REFERENCES security_groups(id),
     direction text NOT NULL,
     ethertype text NOT NULL,
     protocol text,
     port_range_min integer,
     port_range_max integer,
     remote_ip_prefix text,
     remote_group_id text,
     remote_subnet_id text,
     description text NOT NULL,
     is_default boolean NOT NULL,
     created_at text NOT NULL,
     updated_at text NOT NULL
   );
   CREATE INDEX security_group_rules_group ON security_group_rules (security_group_id);
   CREATE INDEX security_group_rules_project ON security_group_rules (project);`,
  // 2: the duplicate key of every rule, unique per group (Neutron's duplicate semantics).
  async (tx) => {
    await tx.exec("ALTER TABLE security_group_rules ADD COLUMN rule_key text");
    for (const row of await tx.rows("SELECT * FROM security_group_rules")) {
      const rule = ruleFromRow(row);
      await tx.exec("UPDATE security_group_rules SET rule_key = $1 WHERE id = $2", [ruleKey(canonicalRuleOf(rule)), rule.id]);
    }
    await tx.exec("CREATE UNIQUE INDEX security_group_rules_key ON security_group_rules (security_group_id, rule_key)");
  },
  // 3: projects, networks, servers, their ports, the groups on each port, and attachments.
  `CREATE TABLE projects (name text PRIMARY KEY, created_at text NOT NULL);
   CREATE TABLE networks (
     project text NOT NULL, id text NOT NULL, name text NOT NULL, subnets jsonb NOT NULL,
     builtin boolean NOT NULL, created_at text NOT NULL,
     PRIMARY KEY (project, id), UNIQUE (project, name)
   );
   CREATE TABLE servers (
     id text PRIMARY KEY, project text NOT NULL, name text NOT NULL, active_at text NOT NULL,
     error boolean NOT NULL, created_at text NOT NULL, updated_at text NOT NULL
   );
   CREATE TABLE ports (
     id text PRIMARY KEY, project text NOT NULL, server_id text NOT NULL REFERENCES servers(id),
     network_id text NOT NULL, fixed_ip text NOT NULL, UNIQUE (project, network_id, fixed_ip)
   );
   CREATE INDEX ports_server ON ports (server_id);
   CREATE TABLE attachments (
     id text PRIMARY KEY, project text NOT NULL, server_id text NOT NULL, security_group_id text NOT NULL,
     network_id text, created_at text NOT NULL
   );
   CREATE TABLE port_groups (
     port_id text NOT NULL REFERENCES ports(id), security_group_id text NOT NULL REFERENCES security_groups(id),
     attachment_id text, PRIMARY KEY (port_id, security_group_id)
   );
   CREATE INDEX port_groups_group ON port_groups (security_group_id);
   CREATE INDEX port_groups_attachment ON port_groups (attachment_id);`,
];

/** A timestamp strictly after `previous` (ISO 8601 UTC, milliseconds). */
function nextTimestamp(previous?: string): string {
  const now = Date.now();
  const floor = previous ? Date.parse(previous) + 1 : 0;
  return new Date(Math.max(now, floor)).toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A JSON column as stored (jsonb comes back parsed; text JSON is parsed here). */
function jsonArray(v: unknown): string[] {
  return (typeof v === "string" ? JSON.parse(v) : v) as string[];
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
    stateful: r.stateful === true,
    tags: jsonArray(r.tags),
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
    isDefault: r.is_default === true,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

function networkFromRow(row: Row): NetworkRecord {
  return {
    id: String(row.id), project: String(row.project), name: String(row.name),
    subnets: jsonArray(row.subnets), builtin: row.builtin === true, createdAt: String(row.created_at),
  };
}

/** The PostgreSQL state backend. Open it with `PostgresBackend.open(url)`. */
export class PostgresBackend implements StateBackend {
  readonly kind = "postgres";
  readonly location: string;
  private readonly pool: Pool;
  private readonly secret: string | undefined;
  private closed = false;

  private constructor(url: string, password: string | undefined) {
    this.location = maskUrl(url);
    this.secret = password ?? passwordOf(url);
    this.pool = new Pool({
      connectionString: url,
      ...(password !== undefined ? { password } : {}),
      max: 4,
      allowExitOnIdle: true,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 30_000,
    });
    // An idle client that loses its server must not crash the process; the next query reports it.
    this.pool.on("error", () => undefined);
  }

  /**
   * Connects to `url` (postgres://user[:password]@host:port/db; `password`, if given, overrides the
   * URL's) and applies pending migrations. SG_BACKEND_UNAVAILABLE, with the password masked, when
   * the server cannot be reached or the schema cannot be migrated.
   */
  static async open(url: string, password?: string): Promise<PostgresBackend> {
    const backend = new PostgresBackend(url, password);
    try {
      await backend.migrate();
    } catch (err) {
      await backend.pool.end().catch(() => undefined);
      backend.closed = true;
      if (err instanceof SecgroupsError) throw err;
      throw new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
        property: "secgroups:backend",
        problem: `cannot open the PostgreSQL backend: ${backend.hide((err as Error).message)}`,
        value: backend.location,
        fix: "check that the server is reachable, the database exists and the user may create tables in it",
      });
    }
    return backend;
  }

  /** `text` with the password (if any) replaced by ***. */
  private hide(text: string): string {
    return this.secret ? text.split(this.secret).join("***") : text;
  }

  /** Applies pending migrations once, whichever of several processes starting at once gets there first. */
  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query("BEGIN");
      try {
        // READ COMMITTED: after waiting for the lock, each statement sees what the winner committed.
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)");
        const done = new Set((await client.query("SELECT version FROM schema_migrations")).rows.map((r: Row) => Number(r.version)));
        const tx = new Tx(client);
        for (let v = 1; v <= MIGRATIONS.length; v++) {
          if (done.has(v)) continue;
          const step = MIGRATIONS[v - 1]!;
          if (typeof step === "string") await client.query(step);
          else await step(tx);
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [v, new Date().toISOString()]);
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }

  /**
   * Runs `body` in one transaction on one checked-out client: SERIALIZABLE for writes, REPEATABLE
   * READ READ ONLY for reads. Rolls back if it throws; retries it from the start on 40001, 40P01
   * and 23505 (a concurrent writer), at most MAX_ATTEMPTS times.
   */
  private async run<T>(mode: "write" | "read", body: (tx: Tx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.closed) throw new Error("the PostgreSQL backend is closed");
      let client: PoolClient;
      try {
        client = await this.pool.connect();
      } catch (err) {
        throw new Error(`PostgreSQL backend ${this.location}: ${this.hide((err as Error).message)}`);
      }
      let broken = false;
      try {
        await client.query(mode === "write" ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        let result: T;
        try {
          result = await body(new Tx(client));
          await client.query("COMMIT");
        } catch (err) {
          try {
            await client.query("ROLLBACK");
          } catch {
            broken = true;
          }
          throw err;
        }
        return result;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (!(err instanceof SecgroupsError) && typeof code === "string" && RETRY_CODES.has(code) && attempt < MAX_ATTEMPTS) {
          // Small random back-off, growing with the attempt, so that the conflicting writers spread out.
          await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
          continue;
        }
        if (err instanceof SecgroupsError) throw err;
        throw new Error(`PostgreSQL backend ${this.location}: ${this.hide((err as Error).message)}`);
      } finally {
        client.release(broken);
      }
    }
  }

  private write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run("write", body);
  }

  private read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run("read", body);
  }

  // ---- groups and rules ---------------------------------------------------------------------

  private async groupRow(tx: Tx, project: string, id: string): Promise<GroupRecord | undefined> {
    const row = await tx.one("SELECT * FROM security_groups WHERE project = $1 AND id = $2", [project, id]);
    return row ? groupFromRow(row) : undefined;
  }

  private async groupByName(tx: Tx, project: string, name: string): Promise<GroupRecord | undefined> {
    const row = await tx.one("SELECT * FROM security_groups WHERE project = $1 AND name = $2", [project, name]);
    return row ? groupFromRow(row) : undefined;
  }

  private async defaultRuleIds(tx: Tx, groupId: string): Promise<string[]> {
    const rows = await tx.rows(
      `SELECT id FROM security_group_rules WHERE security_group_id = $1 AND is_default
       ORDER BY created_at COLLATE "C", ethertype COLLATE "C"`,
      [groupId],
    );
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
    };
    await tx.exec(
      `INSERT INTO security_group_rules (id, project, security_group_id, direction, ethertype, protocol,
         port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_subnet_id, description,
         is_default, created_at, updated_at, rule_key)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
      [record.id, project, record.securityGroupId, record.direction, record.ethertype, record.protocol,
        record.portRangeMin, record.portRangeMax, record.remoteIpPrefix, record.remoteGroupId, record.remoteSubnetId,
        record.description, isDefault, at, at, rule.key],
    );
    return record;
  }

  /** Bumps a group's revision (and updatedAt) by `by`, inside the caller's transaction. */
  private async bumpGroup(tx: Tx, id: string, by: number): Promise<void> {
    const row = await tx.one("SELECT updated_at FROM security_groups WHERE id = $1", [id]);
    if (!row) return;
    await tx.exec("UPDATE security_groups SET revision_number = revision_number + $1, updated_at = $2 WHERE id = $3",
      [by, nextTimestamp(String(row.updated_at)), id]);
  }

  async createRule(rule: NewRule, limits: RuleLimits): Promise<RuleRecord> {
    return this.write(async (tx) => {
      const groupRow = await tx.one("SELECT * FROM security_groups WHERE id = $1", [rule.securityGroupId]);
      if (!groupRow) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "securityGroupId",
          problem: `security group ${rule.securityGroupId} does not exist`,
          value: rule.securityGroupId,
          fix: "pass the id of an existing group (e.g. group.id of a SecurityGroup in the program)",
        });
      }
      const group = groupFromRow(groupRow);
      if (rule.remoteGroupId !== null && !(await this.groupRow(tx, group.project, rule.remoteGroupId))) {
        throw new SecgroupsError("SG_GROUP_NOT_FOUND", {
          property: "remoteGroupId",
          problem: `remote security group ${rule.remoteGroupId} does not exist in project ${group.project}`,
          value: rule.remoteGroupId,
          fix: "pass the id of an existing group of the same project",
        });
      }
      const dup = await tx.one("SELECT * FROM security_group_rules WHERE security_group_id = $1 AND rule_key = $2", [rule.securityGroupId, rule.key]);
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
      const countIn = async (sql: string, arg: string) => Number((await tx.one(sql, [arg]))!.n);
      if (limits.rulesPerGroup !== undefined) {
        const n = await countIn("SELECT COUNT(*) AS n FROM security_group_rules WHERE security_group_id = $1", group.id);
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
        const n = await countIn("SELECT COUNT(*) AS n FROM security_group_rules WHERE project = $1", group.project);
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
      await this.bumpGroup(tx, group.id, 1);
      return record;
    });
  }

  async getRule(project: string, id: string): Promise<RuleRecord | undefined> {
    return this.read(async (tx) => {
      const row = await tx.one("SELECT * FROM security_group_rules WHERE project = $1 AND id = $2", [project, id]);
      return row ? ruleFromRow(row) : undefined;
    });
  }

  async updateRuleDescription(project: string, id: string, description: string): Promise<RuleRecord> {
    return this.write(async (tx) => {
      const row = await tx.one("SELECT * FROM security_group_rules WHERE project = $1 AND id = $2", [project, id]);
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
      await tx.exec("UPDATE security_group_rules SET description = $1, updated_at = $2 WHERE id = $3", [description, at, id]);
      return { ...current, description, updatedAt: at };
    });
  }

  async deleteRule(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const row = await tx.one("SELECT security_group_id FROM security_group_rules WHERE project = $1 AND id = $2", [project, id]);
      if (!row) return false;
      await tx.exec("DELETE FROM security_group_rules WHERE id = $1", [id]);
      await this.bumpGroup(tx, String(row.security_group_id), 1);
      return true;
    });
  }

  async createGroup(input: NewGroup): Promise<GroupState> {
    return this.write(async (tx) => {
      const existing = await this.groupByName(tx, input.project, input.name);
      if (existing) throw this.nameTaken(input.project, input.name, existing);
      if (input.groupQuota !== undefined) {
        const count = Number((await tx.one("SELECT COUNT(*) AS n FROM security_groups WHERE project = $1", [input.project]))!.n);
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
      await tx.exec(
        `INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)`,
        [group.id, group.project, group.name, group.description, group.stateful,
          JSON.stringify(group.tags), group.revisionNumber, group.createdAt, group.updatedAt],
      );
      await this.insertDefaultRules(tx, group, input.defaultRules, at);
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
    return this.read((tx) => this.groupByName(tx, project, name));
  }

  async listGroups(project: string): Promise<GroupRecord[]> {
    return this.read(async (tx) =>
      (await tx.rows(`SELECT * FROM security_groups WHERE project = $1 ORDER BY name COLLATE "C"`, [project])).map(groupFromRow));
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
        const clash = await tx.one("SELECT * FROM security_groups WHERE project = $1 AND name = $2 AND id <> $3", [project, patch.name, id]);
        if (clash) throw this.nameTaken(project, patch.name, groupFromRow(clash));
      }
      if (patch.stateful !== undefined && patch.stateful !== current.stateful) {
        const n = Number((await tx.one("SELECT COUNT(*) AS n FROM port_groups WHERE security_group_id = $1", [id]))!.n);
        if (n > 0) {
          throw new SecgroupsError("SG_IN_USE", {
            property: "stateful",
            problem: `security group ${current.name} (${id}) is on ${n} port(s); stateful can only change while no port uses the group (Neutron)`,
            value: patch.stateful,
            fix: "detach the group from its servers, change stateful, and attach it again",
          });
        }
      }
      let revision = current.revisionNumber + 1;
      const at = nextTimestamp(current.updatedAt);
      if (patch.deleteDefaultRules === true) {
        revision += await tx.exec("DELETE FROM security_group_rules WHERE security_group_id = $1 AND is_default", [id]);
      } else if (patch.deleteDefaultRules === false && (await this.defaultRuleIds(tx, id)).length === 0) {
        const rules = patch.defaultRules ?? [];
        for (const rule of rules) {
          const key = ruleKey({ securityGroupId: id, direction: rule.direction, ethertype: rule.ethertype, protocol: "any", description: "" });
          const clash = await tx.one("SELECT id FROM security_group_rules WHERE security_group_id = $1 AND rule_key = $2", [id, key]);
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
      await tx.exec(
        `UPDATE security_groups SET name = $1, description = $2, stateful = $3, tags = $4::jsonb, revision_number = $5, updated_at = $6
         WHERE id = $7`,
        [next.name, next.description, next.stateful, JSON.stringify(next.tags), next.revisionNumber, next.updatedAt, id],
      );
      return { group: next, defaultRuleIds: await this.defaultRuleIds(tx, id) };
    });
  }

  async deleteGroup(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      const group = await this.groupRow(tx, project, id);
      if (!group) return false;
      // Refuse while anything holds the group (Neutron's 409 SecurityGroupInUse; nothing cascades).
      const ports = await tx.rows(
        `SELECT s.name AS server, p.id AS port, n.name AS network FROM port_groups pg
           JOIN ports p ON p.id = pg.port_id JOIN servers s ON s.id = p.server_id
           JOIN networks n ON n.project = p.project AND n.id = p.network_id
         WHERE pg.security_group_id = $1 ORDER BY s.name COLLATE "C", n.name COLLATE "C"`,
        [id],
      );
      const rules = await tx.rows(
        `SELECT r.id AS rule, g.name AS grp FROM security_group_rules r JOIN security_groups g ON g.id = r.security_group_id
         WHERE r.remote_group_id = $1 AND r.security_group_id <> $1 ORDER BY g.name COLLATE "C", r.id COLLATE "C"`,
        [id],
      );
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
      await tx.exec("DELETE FROM security_group_rules WHERE security_group_id = $1", [id]);
      await tx.exec("DELETE FROM security_groups WHERE id = $1", [id]);
      return true;
    });
  }

  async listRules(project: string, securityGroupId?: string): Promise<RuleRecord[]> {
    return this.read(async (tx) => {
      const rows = securityGroupId === undefined
        ? await tx.rows(`SELECT * FROM security_group_rules WHERE project = $1 ORDER BY created_at COLLATE "C", id COLLATE "C"`, [project])
        : await tx.rows(
          `SELECT * FROM security_group_rules WHERE project = $1 AND security_group_id = $2 ORDER BY created_at COLLATE "C", id COLLATE "C"`,
          [project, securityGroupId],
        );
      return rows.map(ruleFromRow);
    });
  }

  // ---- projects, networks, servers, attachments -------------------------------------------

  async ensureProject(project: string, setup: ProjectSetup): Promise<void> {
    if (await this.read((tx) => tx.one("SELECT 1 AS x FROM projects WHERE name = $1", [project]))) return;
    await this.write(async (tx) => {
      if (await tx.one("SELECT 1 AS x FROM projects WHERE name = $1", [project])) return;
      const at = nextTimestamp();
      for (const n of setup.builtinNetworks) {
        await tx.exec("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES ($1, $2, $3, $4::jsonb, true, $5)",
          [project, n.id, n.name, JSON.stringify(n.subnets), at]);
      }
      for (const g of setup.defaultGroups) {
        const id = randomUUID();
        await tx.exec(
          `INSERT INTO security_groups (id, project, name, description, stateful, tags, revision_number, created_at, updated_at)
           VALUES ($1, $2, $3, $4, true, '[]'::jsonb, $5, $6, $7)`,
          [id, project, g.name, g.description, g.rules.length, at, at],
        );
        for (const r of g.rules) {
          const { remoteMembers, ...rest } = r;
          const rule: NewRule = { ...rest, securityGroupId: id, remoteGroupId: remoteMembers ? id : null, key: "" };
          rule.key = ruleKey(canonicalRuleOf({ ...rule, id: "", project, isDefault: true, createdAt: at, updatedAt: at }));
          await this.insertRule(tx, rule, project, true, at);
        }
      }
      await tx.exec("INSERT INTO projects (name, created_at) VALUES ($1, $2)", [project, at]);
    });
  }

  private async networkRow(tx: Tx, project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    const row = await tx.one("SELECT * FROM networks WHERE project = $1 AND (id = $2 OR name = $2) ORDER BY (id = $2) DESC LIMIT 1", [project, idOrName]);
    return row ? networkFromRow(row) : undefined;
  }

  async createNetwork(project: string, name: string, subnets: string[]): Promise<NetworkRecord> {
    return this.write(async (tx) => {
      const existing = await tx.one("SELECT * FROM networks WHERE project = $1 AND name = $2", [project, name]);
      if (existing) {
        throw new SecgroupsError("SG_NAME_TAKEN", {
          property: "name",
          problem: `project ${project} already has a network named ${JSON.stringify(name)} (id ${String(existing.id)})`,
          value: name,
          fix: "choose another name",
        });
      }
      const record: NetworkRecord = { id: randomUUID(), project, name, subnets, builtin: false, createdAt: nextTimestamp() };
      await tx.exec("INSERT INTO networks (project, id, name, subnets, builtin, created_at) VALUES ($1, $2, $3, $4::jsonb, false, $5)",
        [project, record.id, name, JSON.stringify(subnets), record.createdAt]);
      return record;
    });
  }

  async getNetwork(project: string, idOrName: string): Promise<NetworkRecord | undefined> {
    return this.read((tx) => this.networkRow(tx, project, idOrName));
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
      const users = await tx.rows(
        `SELECT p.id AS port, s.name AS server FROM ports p JOIN servers s ON s.id = p.server_id
         WHERE p.project = $1 AND p.network_id = $2 ORDER BY s.name COLLATE "C", p.id COLLATE "C"`,
        [project, id],
      );
      if (users.length) {
        throw new SecgroupsError("SG_IN_USE", {
          property: "id",
          problem: `network ${network.name} (${id}) still has ports: ${users.map((u) => `server ${String(u.server)} port ${String(u.port)}`).join(", ")}`,
          value: id,
          fix: "delete the servers on the network first",
        });
      }
      await tx.exec("DELETE FROM networks WHERE project = $1 AND id = $2", [project, id]);
      return true;
    });
  }

  private async serverRow(tx: Tx, project: string, id: string): Promise<ServerRecord | undefined> {
    const row = await tx.one("SELECT * FROM servers WHERE project = $1 AND id = $2", [project, id]);
    if (!row) return undefined;
    const status: ServerStatus = row.error === true ? "ERROR" : Date.now() < Date.parse(String(row.active_at)) ? "BUILD" : "ACTIVE";
    const portRows = await tx.rows(
      `SELECT p.*, n.name AS network_name FROM ports p JOIN networks n ON n.project = p.project AND n.id = p.network_id
       WHERE p.server_id = $1 ORDER BY n.name COLLATE "C", p.id COLLATE "C"`,
      [id],
    );
    const ports: PortRecord[] = [];
    for (const p of portRows) {
      const groups = await tx.rows(`SELECT security_group_id FROM port_groups WHERE port_id = $1 ORDER BY security_group_id COLLATE "C"`, [String(p.id)]);
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

  private async freeAddress(tx: Tx, project: string, network: NetworkRecord): Promise<string> {
    const used = new Set((await tx.rows("SELECT fixed_ip FROM ports WHERE project = $1 AND network_id = $2", [project, network.id]))
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
        const group = await this.groupRow(tx, server.project, g);
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
      await tx.exec("INSERT INTO servers (id, project, name, active_at, error, created_at, updated_at) VALUES ($1, $2, $3, $4, false, $5, $6)",
        [id, server.project, server.name, activeAt, at, at]);
      for (const network of networks) {
        const portId = randomUUID();
        await tx.exec("INSERT INTO ports (id, project, server_id, network_id, fixed_ip) VALUES ($1, $2, $3, $4, $5)",
          [portId, server.project, id, network.id, await this.freeAddress(tx, server.project, network)]);
        if (this.attachable(network, policy)) {
          for (const g of groups) {
            await tx.exec("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES ($1, $2, NULL)", [portId, g.id]);
          }
        }
      }
      return (await this.serverRow(tx, server.project, id))!;
    });
  }

  async getServer(project: string, id: string): Promise<ServerRecord | undefined> {
    return this.read((tx) => this.serverRow(tx, project, id));
  }

  async serverProject(id: string): Promise<string | undefined> {
    return this.read(async (tx) => {
      const row = await tx.one("SELECT project FROM servers WHERE id = $1", [id]);
      return row ? String(row.project) : undefined;
    });
  }

  async setServerError(project: string, id: string): Promise<void> {
    await this.write(async (tx) => {
      const current = await this.serverRow(tx, project, id);
      if (!current) throw this.notFound("SG_SERVER_NOT_FOUND", "id", "server", id, project);
      await tx.exec("UPDATE servers SET error = true, updated_at = $1 WHERE id = $2", [nextTimestamp(current.updatedAt), id]);
    });
  }

  async deleteServer(project: string, id: string): Promise<boolean> {
    return this.write(async (tx) => {
      if (!(await tx.one("SELECT id FROM servers WHERE project = $1 AND id = $2", [project, id]))) return false;
      await tx.exec("DELETE FROM port_groups WHERE port_id IN (SELECT id FROM ports WHERE server_id = $1)", [id]);
      await tx.exec("DELETE FROM ports WHERE server_id = $1", [id]);
      await tx.exec("DELETE FROM attachments WHERE server_id = $1", [id]);
      await tx.exec("DELETE FROM servers WHERE id = $1", [id]);
      return true;
    });
  }

  private attachable(network: NetworkRecord, policy: AttachmentPolicy): boolean {
    return policy.attachableNetworks === undefined || policy.attachableNetworks.includes(network.name);
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
    const row = await tx.one("SELECT * FROM attachments WHERE project = $1 AND id = $2", [project, id]);
    if (!row) return undefined;
    const portIds = (await tx.rows(`SELECT DISTINCT port_id COLLATE "C" AS port_id FROM port_groups WHERE attachment_id = $1 ORDER BY 1`, [id]))
      .map((r) => String(r.port_id));
    return {
      id, project, serverId: String(row.server_id), securityGroupId: String(row.security_group_id),
      networkId: row.network_id === null ? null : String(row.network_id), portIds, createdAt: String(row.created_at),
    };
  }

  /** Groups on a port other than the fallback group (which only holds while nothing else does). */
  private async portGroups(tx: Tx, portId: string, fallbackId: string | undefined): Promise<GroupRecord[]> {
    return (await tx.rows("SELECT g.* FROM port_groups pg JOIN security_groups g ON g.id = pg.security_group_id WHERE pg.port_id = $1", [portId]))
      .map(groupFromRow)
      .filter((g) => g.id !== fallbackId);
  }

  async createAttachment(project: string, serverId: string, securityGroupId: string, network: string | null, policy: AttachmentPolicy): Promise<AttachmentRecord> {
    return this.write(async (tx) => {
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
      const group = await this.groupRow(tx, project, securityGroupId);
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
        if (current.some((g) => g.id === group.id)) {
          throw new SecgroupsError("SG_ALREADY_ATTACHED", {
            property: "securityGroupId",
            problem: `group ${group.name} is already on server ${server.name}'s port on network ${port.networkName}`,
            value: securityGroupId,
            fix: "remove the duplicate attachment from the program",
          });
        }
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
        if (fallback) await tx.exec("DELETE FROM port_groups WHERE port_id = $1 AND security_group_id = $2", [port.id, fallback.id]);
        await tx.exec("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES ($1, $2, $3)", [port.id, group.id, id]);
      }
      await tx.exec("INSERT INTO attachments (id, project, server_id, security_group_id, network_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [id, project, serverId, group.id, networkId, nextTimestamp()]);
      return (await this.attachmentRow(tx, project, id))!;
    });
  }

  async getAttachment(project: string, id: string): Promise<AttachmentRecord | undefined> {
    return this.read((tx) => this.attachmentRow(tx, project, id));
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
      const group = await this.groupRow(tx, project, securityGroupId);
      if (!group) throw this.notFound("SG_GROUP_NOT_FOUND", "securityGroupId", "security group", securityGroupId, project);
      const fallback = policy.fallbackGroup ? await this.groupByName(tx, project, policy.fallbackGroup) : undefined;
      for (const portId of attachment.portIds) {
        const others = (await this.portGroups(tx, portId, fallback?.id)).filter((g) => g.id !== attachment.securityGroupId);
        const port = server.ports.find((p) => p.id === portId)!;
        if (others.some((g) => g.id === group.id)) {
          throw new SecgroupsError("SG_ALREADY_ATTACHED", {
            property: "securityGroupId",
            problem: `group ${group.name} is already on server ${server.name}'s port on network ${port.networkName}`,
            value: securityGroupId,
            fix: "remove the duplicate attachment from the program",
          });
        }
        this.assertNoStatefulMix([...others, group], server.name, "securityGroupId");
      }
      // One port update per port: the old group out and the new one in, so the count never rises.
      for (const portId of attachment.portIds) {
        await tx.exec("DELETE FROM port_groups WHERE port_id = $1 AND attachment_id = $2", [portId, id]);
        await tx.exec("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES ($1, $2, $3)", [portId, group.id, id]);
      }
      await tx.exec("UPDATE attachments SET security_group_id = $1 WHERE id = $2", [group.id, id]);
      return (await this.attachmentRow(tx, project, id))!;
    });
  }

  async deleteAttachment(project: string, id: string, policy: AttachmentPolicy): Promise<boolean> {
    return this.write(async (tx) => {
      const attachment = await this.attachmentRow(tx, project, id);
      if (!attachment) return false;
      const server = await this.serverRow(tx, project, attachment.serverId);
      await tx.exec("DELETE FROM port_groups WHERE attachment_id = $1", [id]);
      await tx.exec("DELETE FROM attachments WHERE id = $1", [id]);
      if (server) {
        const remaining = Number((await tx.one(
          "SELECT COUNT(DISTINCT pg.security_group_id) AS n FROM port_groups pg JOIN ports p ON p.id = pg.port_id WHERE p.server_id = $1",
          [server.id],
        ))!.n);
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
            const left = Number((await tx.one("SELECT COUNT(*) AS n FROM port_groups WHERE port_id = $1", [portId]))!.n);
            if (left === 0) await tx.exec("INSERT INTO port_groups (port_id, security_group_id, attachment_id) VALUES ($1, $2, NULL)", [portId, fallback.id]);
          }
        }
      }
      return true;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** The password in a postgres:// URL, if it has one (decoded), so that it can be kept out of messages. */
function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}
