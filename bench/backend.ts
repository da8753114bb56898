/**
 * Figure 3: backend scaling. The StateBackend is driven directly (no engine): a project is seeded
 * with 1 000 and, in a second database, 100 000 rules, then rule creates and attachment creates are
 * timed one by one through the real API, alternating between the two databases in rounds.
 *
 * Seeding: the groups, the network and the servers through the API; the seed rules by direct SQL
 * inserts through the store's driver (the same columns and duplicate keys `createRule` writes), in
 * one transaction, because 100 000 API creates would take minutes and are not what is measured.
 */
import { randomUUID } from "node:crypto";
import * as path from "node:path";
import { PostgresDriver } from "../provider/backends/postgres";
import { SqliteDriver } from "../provider/backends/sqlite";
import { SqlStore, type SqlDriver, type SqlValue } from "../provider/backends/store";
import type { AttachmentPolicy, NewRule, RuleLimits } from "../provider/backends/types";
import { ruleKey } from "../provider/domain/rules";
import { startPostgres } from "../tools/postgres";
import { workDir } from "./stack";

/** The project every seeded object lives in. */
const PROJECT = "bench";
/** Seeded rules per group (so 1 000 rules are 20 groups, 100 000 are 2 000). */
const RULES_PER_GROUP = 50;
/** Seed rules per INSERT statement (15 parameters each; SQLite takes 32 766 per statement). */
const SEED_BATCH = 500;
/** The quota check runs on every create, as with a real profile; the quota itself never bites. */
const LIMITS: RuleLimits = { profile: "bench", rulesPerProject: 1_000_000 };
/** No per-port limit, no network restriction, no minimum, no launch or fallback group. */
const UNLIMITED: AttachmentPolicy = { profile: "bench", minGroupsPerServer: 0, groupsAtLaunch: true };

/** The samples (ms) of one operation in one project size. */
export interface OpSamples {
  ruleCreate: number[];
  attachmentCreate: number[];
}

/** The samples of every size, and the database's version (`sqlite_version()`, PostgreSQL's `server_version`). */
export interface BackendRun {
  samples: Record<number, OpSamples>;
  version: string;
}

/** One seeded database. */
interface Seeded {
  rules: number;
  store: SqlStore;
  groupIds: string[];
  serverIds: string[];
  nextRule: number;
  nextAttachment: number;
}

/** A rule of group `groupId` on tcp port `port` from `cidr`, with its duplicate key. */
function tcpRule(groupId: string, port: number, cidr: string, description: string): NewRule {
  return {
    securityGroupId: groupId,
    direction: "ingress",
    ethertype: "IPv4",
    protocol: "tcp",
    portRangeMin: port,
    portRangeMax: port,
    remoteIpPrefix: cidr,
    remoteGroupId: null,
    remoteSubnetId: null,
    description,
    key: ruleKey({
      securityGroupId: groupId,
      direction: "ingress",
      ethertype: "IPv4",
      protocol: "tcp",
      portRangeMin: port,
      portRangeMax: port,
      remoteIpPrefix: cidr,
      description,
    }),
  };
}

/** Seeds `driver`'s database with `rules` rules and `servers` ACTIVE servers on a private network. */
async function seed(driver: SqlDriver, rules: number, servers: number): Promise<Seeded> {
  const store = new SqlStore(driver);
  await store.ensureProject(PROJECT, { builtinNetworks: [], defaultGroups: [] });
  const groupIds: string[] = [];
  for (let g = 0; g < Math.ceil(rules / RULES_PER_GROUP); g++) {
    const { group } = await store.createGroup({
      project: PROJECT,
      name: `seed-${g}`,
      description: "",
      stateful: true,
      tags: [],
      defaultRules: [
        { direction: "egress", ethertype: "IPv4" },
        { direction: "egress", ethertype: "IPv6" },
      ],
    });
    groupIds.push(group.id);
  }
  const at = new Date().toISOString();
  await driver.write(async (tx) => {
    // Many rows per INSERT: 100 000 single-row statements would take minutes over PostgreSQL's wire.
    for (let first = 0; first < rules; first += SEED_BATCH) {
      const values: SqlValue[] = [];
      const rows: string[] = [];
      for (let i = first; i < Math.min(rules, first + SEED_BATCH); i++) {
        const g = i % groupIds.length;
        const r = tcpRule(groupIds[g]!, 1000 + Math.floor(i / groupIds.length), `10.${g % 256}.${Math.floor(g / 256)}.0/24`, "");
        rows.push("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)");
        values.push(
          randomUUID(),
          PROJECT,
          r.securityGroupId,
          r.direction,
          r.ethertype,
          r.protocol,
          r.portRangeMin,
          r.portRangeMax,
          r.remoteIpPrefix,
          null,
          null,
          r.description,
          at,
          at,
          r.key,
        );
      }
      await tx.run(
        `INSERT INTO security_group_rules (id, project, security_group_id, direction, ethertype, protocol,
           port_range_min, port_range_max, remote_ip_prefix, remote_group_id, remote_subnet_id, description,
           is_default, created_at, updated_at, rule_key) VALUES ${rows.join(", ")}`,
        values,
      );
    }
    // The store keeps the project's rule count with every insert (migration 5); so does the seed.
    await tx.run(
      `INSERT INTO project_rule_counts (project, rules) VALUES (?, ?)
       ON CONFLICT (project) DO UPDATE SET rules = project_rule_counts.rules + excluded.rules`,
      [PROJECT, rules],
    );
  });
  const userRules = (await store.listRules(PROJECT)).filter((r) => !r.isDefault).length;
  if (userRules !== rules) throw new Error(`seeding made ${userRules} rules, not ${rules}`);
  await store.createNetwork(PROJECT, "bench-net", ["10.200.0.0/16"]);
  const serverIds: string[] = [];
  for (let s = 0; s < servers; s++) {
    const server = await store.createServer(
      { project: PROJECT, name: `bench-s${s}`, networks: ["bench-net"], securityGroupIds: [], bootSeconds: 0 },
      UNLIMITED,
    );
    if (server.status !== "ACTIVE") throw new Error(`server ${server.name} is ${server.status}, not ACTIVE`);
    serverIds.push(server.id);
  }
  return { rules, store, groupIds, serverIds, nextRule: 0, nextAttachment: 0 };
}

/** Milliseconds `op` took. */
async function timed(op: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await op();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Times `count` rule creates in `db` (new tcp ports, round-robin over its groups). */
async function ruleCreates(db: Seeded, count: number, out: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const k = db.nextRule++;
    const rule = tcpRule(db.groupIds[k % db.groupIds.length]!, 20000 + k, "172.16.0.0/12", `bench ${k}`);
    out.push(await timed(() => db.store.createRule(rule, LIMITS)));
  }
}

/** Times `count` attachment creates in `db` (server k gets group k mod groups). */
async function attachmentCreates(db: Seeded, count: number, out: number[]): Promise<void> {
  for (let i = 0; i < count; i++) {
    const k = db.nextAttachment++;
    out.push(await timed(() => db.store.createAttachment(PROJECT, db.serverIds[k]!, db.groupIds[k % db.groupIds.length]!, null, UNLIMITED)));
  }
}

/**
 * Seeds one database per size in `sizes`, then in `rounds` rounds times ops/rounds rule creates and
 * as many attachment creates in each, the sizes alternating (the first size of a round alternates too).
 */
async function measure(drivers: SqlDriver[], sizes: number[], ops: number, rounds: number, log: (line: string) => void): Promise<BackendRun> {
  const version = await drivers[0]!.read(async (tx) => {
    const row = await tx.get(drivers[0]!.kind === "sqlite" ? "SELECT sqlite_version() AS v" : "SELECT current_setting('server_version') AS v");
    return String(row?.v ?? "unknown");
  });
  const dbs: Seeded[] = [];
  for (const [i, size] of sizes.entries()) {
    const start = Date.now();
    dbs.push(await seed(drivers[i]!, size, ops));
    log(`  seeded ${size} rules and ${ops} servers in ${((Date.now() - start) / 1000).toFixed(1)} s`);
  }
  const samples: Record<number, OpSamples> = {};
  for (const size of sizes) samples[size] = { ruleCreate: [], attachmentCreate: [] };
  const perRound = Math.ceil(ops / rounds);
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? dbs : [...dbs].reverse();
    for (const db of order) await ruleCreates(db, Math.min(perRound, ops - db.nextRule), samples[db.rules]!.ruleCreate);
    for (const db of order) await attachmentCreates(db, Math.min(perRound, ops - db.nextAttachment), samples[db.rules]!.attachmentCreate);
  }
  for (const db of dbs) {
    const problems = await db.store.checkIntegrity();
    if (problems.length) throw new Error(`integrity problems after the benchmark: ${problems.slice(0, 5).join("; ")}`);
    await db.store.close();
  }
  return { samples, version };
}

/** Backend scaling on SQLite files in a temporary directory. */
export async function runSqlite(sizes: number[], ops: number, rounds: number, log: (line: string) => void): Promise<BackendRun> {
  const dir = workDir("backend-sqlite");
  return measure(
    sizes.map((s) => new SqliteDriver(path.join(dir, `rules-${s}.db`))),
    sizes,
    ops,
    rounds,
    log,
  );
}

/** Backend scaling on a private PostgreSQL server (one database per size). */
export async function runPostgres(sizes: number[], ops: number, rounds: number, log: (line: string) => void): Promise<BackendRun> {
  const server = await startPostgres("bench");
  try {
    const { Client } = require("pg") as typeof import("pg");
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    for (const s of sizes) await admin.query(`CREATE DATABASE rules_${s}`);
    await admin.end();
    const drivers = sizes.map((s) => new PostgresDriver(server.url.replace(/\/bench$/, `/rules_${s}`)));
    return await measure(drivers, sizes, ops, rounds, log);
  } finally {
    server.stop();
  }
}
