/**
 * The backend contract against a real PostgreSQL server (one private cluster for this file, with
 * password authentication, and a fresh database per test), and what only the PostgreSQL backend
 * has: the password (given separately or in the URL, never shown), an unreachable server, a pool
 * that lets the process exit. A missing PostgreSQL fails the file; it is never skipped.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Client } from "pg";
import { PostgresBackend } from "../../provider/backends/postgres";
import { MIGRATIONS } from "../../provider/backends/store";
import { startPostgres, type PostgresServer } from "../../tools/postgres";
import { rejection } from "../support/backend";
import { backendContract } from "./backendContract";
import { runChildren } from "./children";

/** The cluster's password: URL-special characters, so that encoding and masking are exercised. */
const PASSWORD = "s3cr3t p@ss:w/rd%";

let server: PostgresServer;
let admin: Client;
let databases = 0;

/** A client of database `database`, logged in with the password (pg ignores a separate password next to a connection string). */
function client(database: string): Client {
  return new Client({ host: "127.0.0.1", port: server.port, user: "secgroups", password: PASSWORD, database });
}

/** `server.url` for database `database`, without the password; with `password`, that one in it. */
function urlOf(database: string, password?: string): string {
  const u = new URL(server.url);
  u.pathname = `/${database}`;
  if (password !== undefined) u.password = encodeURIComponent(password);
  return u.toString();
}

/** A new empty database; returns its name. */
async function createDatabase(): Promise<string> {
  databases += 1;
  const name = `contract_${databases}`;
  await admin.query(`CREATE DATABASE ${name}`);
  return name;
}

async function dropDatabase(name: string): Promise<void> {
  await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
}

beforeAll(async () => {
  server = await startPostgres("secgroups_contract", { password: PASSWORD });
  admin = client(server.database);
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  server?.stop();
});

backendContract("postgres", {
  // Each race is 50 SERIALIZABLE transactions that conflict on one port (about a second each).
  repetitions: 10,
  async fresh() {
    const database = await createDatabase();
    const url = urlOf(database);
    return {
      url,
      password: PASSWORD,
      // The provider's path: the URL without the password, the password separately (secgroups:backendPassword).
      open: () => PostgresBackend.open(url, PASSWORD),
      async schema() {
        const c = client(database);
        await c.connect();
        try {
          const versions = (await c.query("SELECT version FROM schema_migrations ORDER BY version")).rows.map((r: { version: number }) => r.version);
          const tables = (
            await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'")
          ).rows
            .map((r: { table_name: string }) => r.table_name)
            .sort();
          return { migrations: versions, tables };
        } finally {
          await c.end();
        }
      },
      dispose: () => dropDatabase(database),
    };
  },
});

describe("PostgreSQL only", () => {
  let database: string;
  let opened: PostgresBackend[];

  async function open(url: string, password?: string): Promise<PostgresBackend> {
    const b = await PostgresBackend.open(url, password);
    opened.push(b);
    return b;
  }

  beforeEach(async () => {
    opened = [];
    database = await createDatabase();
  });

  afterEach(async () => {
    for (const b of opened) await b.close();
    await dropDatabase(database);
  });

  it("reports kind postgres and a location without the password, whether it came separately or in the URL", async () => {
    const separate = await open(urlOf(database), PASSWORD);
    expect(separate.kind).toBe("postgres");
    expect(separate.location).toBe(urlOf(database));
    expect(await separate.listGroups("p")).toEqual([]);

    const inUrl = await open(urlOf(database, PASSWORD));
    expect(inUrl.location).toBe(urlOf(database).replace("secgroups@", "secgroups:***@"));
    expect(inUrl.location).not.toContain(encodeURIComponent(PASSWORD));
    expect(await inUrl.listGroups("p")).toEqual([]);
  });

  it("the password given separately wins over one in the URL", async () => {
    const b = await open(urlOf(database, "wrong-in-url"), PASSWORD);
    expect(await b.listGroups("p")).toEqual([]);
    expect(b.location).toBe(urlOf(database).replace("secgroups@", "secgroups:***@"));
  });

  it("a wrong password, given separately or in the URL → SG_BACKEND_UNAVAILABLE that shows no password", async () => {
    const wrong = await rejection(PostgresBackend.open(urlOf(database), "wr0ng-s3cr3t"));
    expect(wrong.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(wrong.details.property).toBe("secgroups:backend");
    expect(wrong.details.value).toBe(urlOf(database));
    expect(wrong.message).not.toContain("wr0ng-s3cr3t");

    const wrongInUrl = await rejection(PostgresBackend.open(urlOf(database, "wr0ng-s3cr3t")));
    expect(wrongInUrl.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(wrongInUrl.message).not.toContain("wr0ng-s3cr3t");
    expect(wrongInUrl.message).toContain("secgroups:***@127.0.0.1");
  });

  it("an unreachable server → SG_BACKEND_UNAVAILABLE without the password", async () => {
    const unreachable = `postgres://secgroups:${encodeURIComponent(PASSWORD)}@127.0.0.1:1/${database}`;
    const err = await rejection(PostgresBackend.open(unreachable));
    expect(err.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(err.details.property).toBe("secgroups:backend");
    expect(err.message).not.toContain(PASSWORD);
    expect(err.message).not.toContain(encodeURIComponent(PASSWORD));
    expect(err.message).toContain("secgroups:***@127.0.0.1:1");

    const separate = await rejection(PostgresBackend.open(`postgres://secgroups@127.0.0.1:1/${database}`, PASSWORD));
    expect(separate.code).toBe("SG_BACKEND_UNAVAILABLE");
    expect(separate.message).not.toContain(PASSWORD);
    expect(separate.message).not.toContain(encodeURIComponent(PASSWORD));
  });

  it("records each migration once in schema_migrations, with when it was applied, beside the store's tables", async () => {
    await open(urlOf(database), PASSWORD);
    await open(urlOf(database), PASSWORD);
    const c = client(database);
    await c.connect();
    try {
      const rows = (await c.query("SELECT version, applied_at FROM schema_migrations ORDER BY version")).rows as Array<{
        version: number;
        applied_at: string;
      }>;
      expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
      for (const r of rows) expect(r.applied_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      const tables = (await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name")).rows.map(
        (r: { table_name: string }) => r.table_name,
      );
      expect(tables).toEqual([
        "attachments",
        "networks",
        "port_groups",
        "ports",
        "project_rule_counts",
        "projects",
        "schema_migrations",
        "security_group_rules",
        "security_groups",
        "servers",
      ]);
    } finally {
      await c.end();
    }
  });

  it("is unusable after close", async () => {
    const b = await PostgresBackend.open(urlOf(database), PASSWORD);
    await b.close();
    await expect(b.listGroups("p")).rejects.toThrow("the PostgreSQL backend is closed");
  });

  it("lets a process that never closes the backend exit on its own: the idle pool holds no socket or timer", async () => {
    const [report] = await runChildren({ url: urlOf(database), password: PASSWORD }, [
      {
        batches: [
          [{ method: "listGroups", args: ["p"] }],
          [{ method: "createGroup", args: [{ project: "p", name: "web", description: "", stateful: true, tags: [], defaultRules: [] }] }],
        ],
        close: false,
      },
    ]);
    expect(report!.results.map((o) => o.ok)).toEqual([true, true]);
    // Only the stdout pipe the report goes out on; a pool without allowExitOnIdle adds TCPSocketWrap and Timeout.
    expect(report!.keepingAlive.filter((r) => r !== "PipeWrap")).toEqual([]);
    const b = await open(urlOf(database), PASSWORD);
    expect((await b.listGroups("p")).map((g) => g.name)).toEqual(["web"]);
  });
});
