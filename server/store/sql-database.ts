/** A value bound to a `?` placeholder. */
export type SqlValue = string | number | null | Uint8Array;

/** Which engine holds the server's state. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The server's database: an embedded SQLite file (one process) or PostgreSQL (any number of
 * processes). Statements are written once, in the SQL both accept, with `?` placeholders;
 * `FOR UPDATE` / `FOR SHARE` row locks are dropped on SQLite, whose writers are serialized anyway.
 *
 * Inside {@link SqlDatabase.tx}, every call on the database joins that transaction (it follows
 * the async call chain), so store methods need no transaction handle passed down to them.
 */
export interface SqlDatabase {
  readonly dialect: SqlDialect;
  /** The first row, if any. */
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** Runs a statement; returns how many rows it changed. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
  /** Runs statements without parameters, `;`-separated (schema migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Runs `fn` in one transaction, committed before the promise resolves (so an acknowledged
   * submission is durable) and rolled back if it throws; a `tx` inside a `tx` joins the outer one.
   */
  tx<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs `fn` once the current transaction commits (at once outside one); never after a rollback. */
  afterCommit(fn: () => void): void;
  /**
   * Holds `key` until the current transaction ends, so that work which must happen once (opening
   * the round a check-in joins) is not done by two processes at the same time. PostgreSQL: a
   * transaction-level advisory lock; SQLite: nothing, since one writer runs at a time.
   */
  lockKey(key: string): Promise<void>;
  /**
   * Tells every process listening on `channel` (this one included), once the current transaction
   * commits. A hint to look again, never the state itself: listeners re-read.
   */
  notify(channel: string, payload: string): Promise<void>;
  /** Calls `fn` with each notification's payload; returns the unsubscribe. */
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Rewrites `?` placeholders as PostgreSQL's `$1, $2, …` (statements here never quote a `?`). */
export function numberedPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Drops the row-lock clauses SQLite does not parse. */
export const withoutRowLocks = (sql: string): string => sql.replace(/\s+FOR (UPDATE|SHARE)\b/g, '');
