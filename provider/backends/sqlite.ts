/**
 * The embedded backend's driver: one SQLite file (Node's built-in `node:sqlite`).
 *
 * Concurrency: every write transaction is `BEGIN IMMEDIATE`, which takes SQLite's write lock
 * before the first read, so the store's invariant checks see the latest committed state and no
 * other process can commit in between. `busy_timeout` makes other processes wait for the lock
 * instead of failing; WAL mode lets readers go on while one process writes. Inside one process
 * the store's transactions are async (they await between statements), so the driver queues them
 * per database file, across all connections of the process: one runs at a time. Otherwise a
 * second connection's BEGIN IMMEDIATE would block the thread on the lock that the first
 * connection's transaction, waiting for that same thread, holds.
 *
 * Crash safety: a transaction either commits or, if the process dies first, is rolled back by
 * SQLite on the next open (WAL with `synchronous = FULL`).
 *
 * Files: the database, its `-wal` and `-shm` files are created with mode 0600 (SQLite gives the
 * journal files the database file's mode), inside a directory created with mode 0700.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { DatabaseSync as DatabaseSyncType, StatementSync } from "node:sqlite";
import { SecgroupsError } from "../errors";
import type { Row, SqlDriver, Tx } from "./sql/driver";
import { SqlStore } from "./store";

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

/** SQLite's primary result codes for a lock held too long. */
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
/** SQLite's primary result codes that mean the file cannot be used: PERM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN, NOTADB. */
const FILE_FAULTS = new Set([3, 8, 10, 11, 13, 14, 26]);

/** One queue of transactions per database file, shared by every connection of this process. */
const queues = new Map<string, Promise<unknown>>();

/** The SQLite driver. */
export class SqliteDriver implements SqlDriver {
  readonly kind = "sqlite";
  readonly location: string;
  private readonly db: DatabaseSyncType;
  private readonly statements = new Map<string, StatementSync>();
  private readonly file: string;
  private closed = false;
  private closing: Promise<void> | undefined;
  private readonly tx: Tx = {
    get: async (sql, params = []) => this.statement(sql).get(...params) as Row | undefined,
    all: async (sql, params = []) => this.statement(sql).all(...params) as Row[],
    run: async (sql, params = []) => Number(this.statement(sql).run(...params).changes),
  };

  /** Opens (creating if needed, mode 0600) the database file. */
  constructor(file: string) {
    this.location = `sqlite:${file}`;
    this.file = path.resolve(file);
    const unavailable = (doing: string, err: unknown) =>
      new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
        property: "secgroups:backend",
        problem: `cannot ${doing}: ${(err as Error).message}`,
        value: this.location,
        fix: "point secgroups:backend at a writable file path (sqlite:/path/to/cloud.db)",
      });
    const dir = path.dirname(file);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw unavailable(`create the directory ${dir}`, err);
    }
    try {
      fs.closeSync(fs.openSync(file, fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_RDWR, 0o600));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw unavailable("create the SQLite file", err);
    }
    const { DatabaseSync } = loadSqlite();
    try {
      this.db = new DatabaseSync(file);
    } catch (err) {
      throw unavailable("open the SQLite file", err);
    }
    this.db.exec("PRAGMA busy_timeout = 60000");
    // Switching a fresh file to WAL needs a lock the busy handler does not wait for: when another
    // process opens the same fresh file at that moment, SQLite answers "database is locked" at
    // once. Retry for a while, sleeping between attempts.
    for (let attempt = 1; ; attempt++) {
      try {
        this.db.exec("PRAGMA journal_mode = WAL");
        break;
      } catch (err) {
        if (!/database is locked|busy/i.test((err as Error).message) || attempt >= 600) throw unavailable("open the SQLite file", err);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10 + Math.floor(Math.random() * 40));
      }
    }
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA foreign_keys = ON");
  }

  private statement(sql: string): StatementSync {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `body` inside `begin` ... COMMIT, one at a time per connection; ROLLBACK if it throws. */
  private exclusive<T>(begin: string, body: (tx: Tx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.closed) throw new Error("the SQLite backend is closed");
      try {
        this.db.exec(begin);
      } catch (err) {
        throw this.fault(err);
      }
      try {
        const result = await body(this.tx);
        this.db.exec("COMMIT");
        return result;
      } catch (err) {
        // After a full disk or an I/O error SQLite may have rolled the transaction back itself.
        if (this.db.isTransaction) this.db.exec("ROLLBACK");
        throw this.fault(err);
      }
    };
    const previous = queues.get(this.file) ?? Promise.resolve();
    const result = previous.then(run, run);
    const tail = result.catch(() => undefined);
    queues.set(this.file, tail);
    void tail.then(() => {
      if (queues.get(this.file) === tail) queues.delete(this.file);
    });
    return result;
  }

  /**
   * A failure of the file itself as SG_BACKEND_UNAVAILABLE (disk full, read-only, I/O error,
   * permissions, not a database) or SG_BACKEND_BUSY (locked past the busy timeout); any other
   * error as it is. Nothing was committed in either case: the transaction rolled back whole.
   */
  private fault(err: unknown): unknown {
    if (err instanceof SecgroupsError) return err;
    const errcode = (err as { errcode?: unknown }).errcode;
    if (typeof errcode !== "number") return err;
    const primary = errcode & 0xff;
    const what = `${(err as Error).message} (${String((err as { errstr?: unknown }).errstr ?? `SQLite error ${errcode}`)})`;
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
      return new SecgroupsError("SG_BACKEND_BUSY", {
        property: "secgroups:backend",
        problem: `the SQLite file stayed locked by another process: ${what}; nothing was changed`,
        value: this.location,
        fix: "run the command again once the other process is done",
      });
    }
    if (!FILE_FAULTS.has(primary)) return err;
    return new SecgroupsError("SG_BACKEND_UNAVAILABLE", {
      property: "secgroups:backend",
      problem: `cannot use the SQLite file: ${what}; nothing of this change was written`,
      value: this.location,
      fix: "free disk space or make the file, its -wal and -shm files and their directory writable, then run pulumi refresh and pulumi up",
    });
  }

  write<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exclusive("BEGIN IMMEDIATE", body);
  }

  read<T>(body: (tx: Tx) => Promise<T>): Promise<T> {
    return this.exclusive("BEGIN", body);
  }

  async migrate(apply: (tx: Tx, applied: number) => Promise<number>): Promise<void> {
    const version = () => Number((this.db.prepare("PRAGMA user_version").get() as Row).user_version);
    return this.write(async (tx) => {
      // Read under the write lock: another process may have migrated meanwhile.
      const applied = version();
      const now = await apply(tx, applied);
      if (now !== applied) this.db.exec(`PRAGMA user_version = ${Number(now)}`);
    });
  }

  async checkDatabase(): Promise<string[]> {
    return this.read(async (tx) => {
      const problems = (await tx.all("PRAGMA integrity_check")).map((r) => String(r.integrity_check)).filter((t) => t !== "ok");
      for (const r of await tx.all("PRAGMA foreign_key_check")) problems.push(`foreign key: ${JSON.stringify(r)}`);
      return problems;
    });
  }

  close(): Promise<void> {
    // One close, however often it is called: queued transactions finish first.
    this.closing ??= (async () => {
      await queues.get(this.file);
      this.closed = true;
      this.statements.clear();
      this.db.close();
    })();
    return this.closing;
  }
}

/** The SQLite state backend: the store over one SQLite file (migrated on first use). */
export class SqliteBackend extends SqlStore {
  constructor(file: string) {
    super(new SqliteDriver(file));
  }
}
