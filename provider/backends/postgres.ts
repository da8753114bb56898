/**
 * The shared backend's driver: one PostgreSQL database (node-postgres), for several stacks,
 * processes and machines.
 *
 * Locking choice: SERIALIZABLE with retry, not row locks, behind one writer lock. Every write
 * transaction of the store runs in ONE transaction on ONE checked-out client at isolation level
 * SERIALIZABLE. PostgreSQL's serializable snapshot isolation guarantees that the store's invariant
 * checks (unique names, quotas, duplicate rules, the per-port group limit, the stateful mix, free
 * fixed IPs) hold for the committed result as if the transactions had run one after another; when
 * two conflict, one fails with SQLSTATE 40001 (or 40P01 on a deadlock) and is run again from the
 * start, a bounded number of times with a small random back-off. Because nearly every write reads
 * a project-wide count (quotas), concurrent writers conflict all the time: 4 stacks x 16 parallel
 * creates exhausted any sane retry budget. So before BEGIN each writer takes a session-level
 * advisory lock (WRITE_LOCK_KEY) and releases it after COMMIT: writers queue instead of
 * conflicting, one at a time across every process and machine, as SQLite's write lock makes
 * them; the serializable isolation and the retry stay as the guarantee. (The lock is taken
 * before BEGIN because a serializable snapshot starts with the transaction's first statement; a
 * lock taken inside would be waited for with a stale snapshot.) A killed process's connection
 * drops, which releases its lock and rolls its transaction back. UNIQUE constraints (group and network names, rule keys,
 * fixed IPs, a group once per port) back this up; a unique violation (23505) from a concurrent
 * writer is retried too, and the retry then reports the domain error (SG_NAME_TAKEN, ...).
 * Reads run in a REPEATABLE READ READ ONLY transaction, so a server and its ports are one snapshot.
 *
 * Crash safety: a transaction the process does not commit is rolled back by the server when the
 * connection drops.
 *
 * Migrations: under a transaction-level advisory lock, recorded in `schema_migrations`, so two
 * processes starting at once against a fresh database both succeed and migrate once.
 *
 * The pool is small and lets an idle process exit (`allowExitOnIdle`), so a provider process never
 * hangs on open connections. The password never reaches `location` or an error message.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { Pool, PoolClient } from "pg";
import { SecgroupsError } from "../errors";
import { maskUrl } from "./mask";
import type { Row, SqlDriver, SqlValue, Tx } from "./sql/driver";
import { SqlStore } from "./store";

/** Key of the transaction-level advisory lock that serialises schema migrations across processes. */
const MIGRATION_LOCK_KEY = 736_563_677;
/** Key of the session-level advisory lock every write transaction holds (see the header). */
const WRITE_LOCK_KEY = 736_563_678;
/** Most attempts of one transaction that keeps failing with a serialization failure or deadlock. */
const MAX_ATTEMPTS = 12;
/** SQLSTATEs after which the whole transaction is retried. */
const RETRY_CODES = new Set(["40001", "40P01", "23505"]);

const translated = new Map<string, string>();

/**
 * The store's portable SQL in PostgreSQL's dialect: `?` placeholders numbered `$1, $2, ...`, and in
 * DDL, text columns in the "C" collation (byte order, as SQLite sorts) and integers as integer.
 */
export function toPostgres(sql: string): string {
  let out = translated.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    if (/^\s*(CREATE|ALTER)\s+TABLE/i.test(out)) out = out.replace(/\bTEXT\b/g, 'text COLLATE "C"');
    translated.set(sql, out);
  }
  return out;
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

/** `url` with its password set to `password` (when given); only ever handed to the pool. */
function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const u = new URL(url);
  u.password = encodeURIComponent(password);
  return u.toString();
}

/** Clients that already carry our `error` listener (see PostgresDriver.connect). */
const QUIET_CLIENTS = new WeakSet<PoolClient>();

/**
 * True when an error means the server could not be used, not that a statement failed: no code, a
 * Node system error (ECONNRESET, EPIPE, ECONNREFUSED, …: anything but a five-character SQLSTATE),
 * or SQLSTATE class 08 (connection), 53 (insufficient resources), 57P (shutdown) or 58 (system).
 */
function lostServer(code: unknown): boolean {
  if (typeof code !== "string" || !/^[0-9A-Z]{5}$/.test(code)) return true;
  return /^(08|53|57P|58)/.test(code);
}

/** The PostgreSQL driver. */
export class PostgresDriver implements SqlDriver {
  readonly kind = "postgres";
  readonly location: string;
  private readonly pool: Pool;
  private readonly secrets: string[];
  private closed = false;

  /** `url` is postgres://user[:password]@host:port/db; `password`, if given, overrides the URL's. */
  constructor(url: string, password?: string) {
    this.location = maskUrl(url);
    this.secrets = [password, passwordOf(url), new URL(url).password || undefined].filter((s): s is string => typeof s === "string" && s.length > 0);
    // Loaded here, so that a provider on the SQLite backend never loads pg.
    const { Pool } = require("pg") as typeof import("pg");
    this.pool = new Pool({
      // pg lets the connection string's fields override separate ones, so the password goes into it.
      connectionString: withPassword(url, password),
      max: 4,
      allowExitOnIdle: true,
      idleTimeoutMillis: 10_000,
      connectionTimeoutMillis: 30_000,
    });
    // A client that loses its server emits `error`: while idle in the pool, the pool drops it (and
    // this listener keeps the event from crashing the process); while checked out, see `connect`.
    // Either way the query that needed it reports SG_BACKEND_UNAVAILABLE.
    this.pool.on("error", () => undefined);
  }

  /** `text` with the password (in any spelling we know) replaced by ***. */
  private hide(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join("***");
    return out;
  }

  private unavailable(err: unknown, doing: string): SecgroupsError {
    const message = (err as Error).message || String(err);
    // node-postgres says this when the server asks for a password and none was given.
    if (/client password must be a string/.test(message)) {
      return new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
        property: "secgroups:backend",
        problem: `cannot ${doing} the PostgreSQL backend: the server asks for a password and none was given`,
        value: this.location,
        fix: "set PGPASSWORD, or secgroups:backendPassword as a secret in the stack's config (the secgroups command reads it in the program's directory when PULUMI_CONFIG_PASSPHRASE, or the stack's secrets provider, can decrypt it)",
      });
    }
    return new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
      property: "secgroups:backend",
      problem: `cannot ${doing} the PostgreSQL backend: ${this.hide((err as Error).message || String(err))}`,
      value: this.location,
      fix: "check that the server is reachable, the database exists, the user and password (secgroups:backendPassword or PGPASSWORD) are right and the user may create tables in it",
    });
  }

  private txOn(client: PoolClient): Tx {
    const query = async (sql: string, params: SqlValue[] = []) => client.query(toPostgres(sql), params);
    return {
      get: async (sql, params) => ((await query(sql, params)).rows as Row[])[0],
      all: async (sql, params) => (await query(sql, params)).rows as Row[],
      run: async (sql, params) => (await query(sql, params)).rowCount ?? 0,
    };
  }

  private async connect(): Promise<PoolClient> {
    if (this.closed) throw new Error("the PostgreSQL backend is closed");
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw this.unavailable(err, "reach");
    }
    // The pool listens for `error` only on idle clients. A checked-out client whose connection dies
    // emits it too (besides failing the query in flight), and an unheard `error` event is thrown
    // by Node and printed with its stack: a listener of our own, once per client, keeps it quiet.
    if (!QUIET_CLIENTS.has(client)) {
      client.on("error", () => undefined);
      QUIET_CLIENTS.add(client);
    }
    return client;
  }

  /**
   * Runs `body` in one transaction on one checked-out client: SERIALIZABLE for writes, REPEATABLE
   * READ READ ONLY for reads. Rolls back if it throws; runs it again from the start on 40001,
   * 40P01 and 23505 (a concurrent writer), at most MAX_ATTEMPTS times.
   */
  private async run<T>(begin: string, body: (tx: Tx) => Promise<T>, writer: boolean): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.connect();
      let broken = false;
      let locked = false;
      try {
        if (writer) {
          await client.query("SELECT pg_advisory_lock($1)", [WRITE_LOCK_KEY]);
          locked = true;
        }
        await client.query(begin);
        let result: T;
        try {
          result = await body(this.txOn(client));
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
        if (err instanceof SecgroupsError) throw err;
        const code = (err as { code?: unknown }).code;
        if (typeof code === "string" && RETRY_CODES.has(code) && attempt < MAX_ATTEMPTS) {
          // Small random back-off, growing with the attempt, so that the conflicting writers spread out.
          await sleep(Math.random() * Math.min(200, 5 * 2 ** attempt));
          continue;
        }
        if (lostServer(code)) throw this.unavailable(err, "use");
        if (typeof code === "string" && RETRY_CODES.has(code)) {
          throw new SecgroupsError("SG_BACKEND_BUSY", {
            property: "secgroups:backend",
            problem: `the PostgreSQL backend kept reporting conflicting concurrent changes (${this.hide((err as Error).message)}); gave up after ${attempt} attempts, nothing was changed`,
            value: this.location,
            fix: "run the command again",
          });
        }
        throw new Error(`PostgreSQL backend ${this.location}: ${this.hide((err as Error).message)}`);
      } finally {
        if (locked && !broken) {
          try {
            await client.query("SELECT pg_advisory_unlock($1)", [WRITE_LOCK_KEY]);
          } catch {
            broken = true;
          }
        }
        // A client that may still hold the lock is destroyed, never reused: that releases it.
        client.release(broken);
      }
    }
  }

  write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run("BEGIN ISOLATION LEVEL SERIALIZABLE", body, true);
  }

  read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body, false);
  }

  async migrate(apply: (tx: Tx, applied: number) => Promise<number>): Promise<void> {
    const client = await this.connect();
    try {
      await client.query("BEGIN");
      try {
        // READ COMMITTED: after waiting for the lock, each statement sees what the winner committed.
        await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
        await client.query("CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at text NOT NULL)");
        const applied = Number((await client.query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")).rows[0].v);
        const now = await apply(this.txOn(client), applied);
        for (let v = applied + 1; v <= now; v++) {
          await client.query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)", [v, new Date().toISOString()]);
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      }
    } catch (err) {
      if (err instanceof SecgroupsError) throw err;
      throw this.unavailable(err, "migrate");
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }
}

/** The PostgreSQL state backend: the store over one database. */
export class PostgresBackend extends SqlStore {
  /** A backend for `url` (no I/O yet; the schema is migrated on first use). */
  constructor(url: string, password?: string) {
    super(new PostgresDriver(url, password));
  }

  /** Connects and applies pending migrations now; SG_BACKEND_UNAVAILABLE (password masked) if it cannot. */
  static async open(url: string, password?: string): Promise<PostgresBackend> {
    const backend = new PostgresBackend(url, password);
    try {
      await backend.migrate();
    } catch (err) {
      await backend.close().catch(() => undefined);
      throw err;
    }
    return backend;
  }
}
