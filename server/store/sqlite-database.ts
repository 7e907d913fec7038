import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type SqlDatabase, type SqlValue, withoutRowLocks } from './sql-database.js';

/** The transaction an async call chain is in. */
interface OpenTx {
  after: (() => void)[];
  /** Set once it ends: timers started inside it inherit the context, but not the transaction. */
  ended: boolean;
}

/**
 * The embedded store: one SQLite file in WAL mode, one connection (better-sqlite3 is
 * synchronous). Transactions are `BEGIN IMMEDIATE … COMMIT` taken one at a time: while one awaits
 * (a signature check inside it), statements from other requests wait for it instead of landing
 * inside it. Notifications stay in this process, the only one an SQLite file serves.
 */
export class SqliteDatabase implements SqlDatabase {
  readonly dialect = 'sqlite' as const;
  /** The connection, for what only SQLite has (tests' temporary triggers). */
  readonly raw: Database.Database;
  private readonly context = new AsyncLocalStorage<OpenTx>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private locked = false;
  private readonly waiting: (() => void)[] = [];

  /** Opens (creating) `<dataDir>/pocketrank.sqlite`; `:memory:` for tests that need no disk. */
  constructor(dataDir: string) {
    if (dataDir === ':memory:') this.raw = new Database(':memory:');
    else {
      mkdirSync(dataDir, { recursive: true });
      this.raw = new Database(join(dataDir, 'pocketrank.sqlite'));
    }
    this.raw.pragma('journal_mode = WAL');
    // NORMAL is durable against process crashes in WAL mode; FULL would add an fsync per commit for power loss.
    this.raw.pragma('synchronous = NORMAL');
    this.raw.pragma('foreign_keys = ON');
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.statement(() => this.prepare(sql).get(...params) as T | undefined);
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.statement(() => this.prepare(sql).all(...params) as T[]);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return this.statement(() => this.prepare(sql).run(...params).changes);
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current()) return fn();
    await this.acquire();
    const open: OpenTx = { after: [], ended: false };
    let result: T;
    try {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        result = await this.context.run(open, fn);
      } catch (error) {
        this.raw.exec('ROLLBACK');
        throw error;
      }
      this.raw.exec('COMMIT');
    } finally {
      open.ended = true;
      this.release();
    }
    for (const f of open.after) f();
    return result;
  }

  async exec(sql: string): Promise<void> {
    await this.statement(() => this.raw.exec(sql));
  }

  afterCommit(fn: () => void): void {
    const open = this.current();
    if (open) open.after.push(fn);
    else fn();
  }

  async lockKey(): Promise<void> {}

  async notify(channel: string, payload: string): Promise<void> {
    this.afterCommit(() => {
      for (const fn of this.listeners.get(channel) ?? []) fn(payload);
    });
  }

  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(fn);
    return async () => void set.delete(fn);
  }

  async close(): Promise<void> {
    await this.acquire();
    this.raw.close();
  }

  /** Runs one statement: at once inside this chain's transaction or when none is open, else after it. */
  private async statement<T>(run: () => T): Promise<T> {
    if (this.current() || !this.locked) return run();
    await this.acquire();
    try {
      return run();
    } finally {
      this.release();
    }
  }

  /** The transaction this async call chain is in, if it is still open. */
  private current(): OpenTx | undefined {
    const open = this.context.getStore();
    return open && !open.ended ? open : undefined;
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size > 500) this.statements.clear();
      statement = this.raw.prepare(withoutRowLocks(sql));
      this.statements.set(sql, statement);
    }
    return statement;
  }

  private async acquire(): Promise<void> {
    if (!this.locked) {
      this.locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.locked = false;
  }
}
