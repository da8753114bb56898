/**
 * The Neutron's database on a private PostgreSQL: Neutron's migrations run once per server into a
 * template database (with the workaround for its MySQL-only migration), and each Neutron gets a
 * copy of it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Client } from "pg";
import type { PostgresServer } from "../postgres";
import { liveDirs, runStep } from "./processes";

/** Per PostgreSQL server: the migrated template database every Neutron on it is copied from. */
const templates = new WeakMap<PostgresServer, Promise<string>>();
let databaseCounter = 0;

/** The URL oslo.db connects to `database` on the server with (psycopg2). */
export function sqlalchemyUrl(server: PostgresServer, database: string): string {
  const user = decodeURIComponent(new URL(server.url).username) || "secgroups";
  return `postgresql+psycopg2://${encodeURIComponent(user)}@127.0.0.1:${server.port}/${database}`;
}

/** Runs one statement on the server's default database. */
export async function sql(server: PostgresServer, statement: string): Promise<void> {
  const client = new Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * Creates `neutron_template` on the server and runs Neutron's migrations into it. `upgrade heads`
 * fails on PostgreSQL at d553edeb540f (an `ALTER TABLE … CONVERT TO CHARACTER SET utf8mb4` that
 * only MySQL understands, and only MySQL's error is caught), which rolls the whole upgrade back:
 * so upgrade to the migration before it, mark that one done, and upgrade the rest.
 */
async function migrateTemplate(python: string, server: PostgresServer, logFile: string): Promise<string> {
  const template = "neutron_template";
  await sql(server, `CREATE DATABASE ${template}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secgroups-neutron-migrate-"));
  liveDirs.add(dir);
  try {
    const conf = path.join(dir, "migrate.conf");
    fs.writeFileSync(conf, `[DEFAULT]\ncore_plugin = ml2\n\n[database]\nconnection = ${sqlalchemyUrl(server, template)}\n`);
    const manage = path.join(path.dirname(python), "neutron-db-manage");
    for (const step of [
      ["upgrade", "ad80a9f07c5c"],
      ["stamp", "d553edeb540f"],
      ["upgrade", "heads"],
    ])
      await runStep(python, manage, ["--config-file", conf, ...step], { logFile, label: `neutron-db-manage ${step.join(" ")}` });
  } catch (e) {
    await sql(server, `DROP DATABASE IF EXISTS ${template}`).catch(() => undefined);
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
  return template;
}

/** A new database for one Neutron, copied from the server's migrated template (made on first use). */
export async function createNeutronDatabase(python: string, server: PostgresServer, logFile: string): Promise<string> {
  let template = templates.get(server);
  if (!template) {
    template = migrateTemplate(python, server, logFile);
    templates.set(server, template);
    template.catch(() => templates.delete(server));
  }
  const name = `neutron_${process.pid}_${++databaseCounter}`;
  await sql(server, `CREATE DATABASE ${name} TEMPLATE ${await template}`);
  return name;
}
