/**
 * What a database driver gives the SQL store (sqlite.ts, postgres.ts implement it): transactions
 * with the isolation the store's checks rely on, and migrations under a lock. The drivers depend on
 * this file only; the store's logic never depends on a driver.
 *
 * SQL is written once with `?` placeholders and portable types (TEXT, INTEGER; flags 0/1; JSON as
 * text); the PostgreSQL driver numbers the placeholders and declares text columns COLLATE "C", so
 * that ORDER BY gives the same order on both backends.
 */

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
