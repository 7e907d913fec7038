import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { numberedPlaceholders, type SqlDatabase, type SqlValue } from './sql-database.js';

/** The transaction an async call chain is in. */
interface OpenTx {
  client: pg.PoolClient;
  after: (() => void)[];
  ended: boolean;
}

/** Counts and timestamps are BIGINT here: read them as numbers (every one stays below 2^53). */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Deadlocks and serialization failures are retried: the transaction is redone from the start. */
const RETRYABLE = new Set(['40P01', '40001']);

/** A 64-bit advisory lock key from a name (FNV-1a), as the two int4 halves pg_advisory_xact_lock takes. */
function lockKeys(name: string): [number, number] {
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(name)) h = ((h ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  return [Number(BigInt.asIntN(32, h >> 32n)), Number(BigInt.asIntN(32, h))];
}

/**
 * The shared store of a multi-process deployment: PostgreSQL through a `pg` pool. Every
 * transaction runs on its own pooled connection (READ COMMITTED; the round's row lock orders what
 * must not interleave), commits before the promise resolves, and is retried on a deadlock.
 * Notifications are LISTEN/NOTIFY on one dedicated connection, reconnected if it drops.
 */
export class PostgresDatabase implements SqlDatabase {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly context = new AsyncLocalStorage<OpenTx>();
  private listener?: Promise<pg.PoolClient>;
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  /** @param url `postgres://user@host/db` (a Unix socket directory as `?host=/dir`). */
  constructor(url: string, poolSize = 10) {
    this.pool = new pg.Pool({ connectionString: url, max: poolSize, types });
    // A pooled idle connection that the server drops must not take the process with it.
    this.pool.on('error', () => undefined);
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    return (await this.query(sql, params)).rowCount ?? 0;
  }

  async exec(sql: string): Promise<void> {
    await (this.current()?.client ?? this.pool).query(sql);
  }

  async tx<T>(fn: () => Promise<T>): Promise<T> {
    if (this.current()) return fn();
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      const open: OpenTx = { client, after: [], ended: false };
      let result: T;
      try {
        await client.query('BEGIN');
        result = await this.context.run(open, fn);
        await client.query('COMMIT');
      } catch (error) {
        open.ended = true;
        await client.query('ROLLBACK').catch(() => undefined);
        client.release();
        if (attempt < 5 && RETRYABLE.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      }
      open.ended = true;
      client.release();
      for (const f of open.after) f();
      return result;
    }
  }

  afterCommit(fn: () => void): void {
    const open = this.current();
    if (open) open.after.push(fn);
    else fn();
  }

  async lockKey(key: string): Promise<void> {
    if (!this.current()) throw new Error('lockKey holds a lock until its transaction ends: call it inside tx()');
    await this.query('SELECT pg_advisory_xact_lock(?, ?)', lockKeys(key));
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify(?, ?)', [channel, payload]);
  }

  async listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.listeners.get(channel);
    if (!set) {
      this.listeners.set(channel, (set = new Set()));
      const client = await this.listenClient();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    }
    set.add(fn);
    return async () => void set.delete(fn);
  }

  async close(): Promise<void> {
    this.closed = true;
    const listener = await this.listener?.catch(() => undefined);
    listener?.release(true);
    await this.pool.end();
  }

  private current(): OpenTx | undefined {
    const open = this.context.getStore();
    return open && !open.ended ? open : undefined;
  }

  private query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    const values = params.map((v) => (v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v));
    return (this.current()?.client ?? this.pool).query(numberedPlaceholders(sql), values);
  }

  /** The connection notifications arrive on; a dropped one is replaced and its channels listened to again. */
  private listenClient(): Promise<pg.PoolClient> {
    this.listener ??= this.pool.connect().then((client) => {
      client.on('notification', (n) => {
        for (const fn of this.listeners.get(n.channel) ?? []) fn(n.payload ?? '');
      });
      client.on('error', () => {
        client.release(true);
        this.listener = undefined;
        if (this.closed) return;
        // Held polls still re-read on their own timer meanwhile (see PhaseWatch).
        setTimeout(() => void this.relisten(), 1_000).unref();
      });
      return client;
    });
    return this.listener;
  }

  private async relisten(): Promise<void> {
    try {
      const client = await this.listenClient();
      for (const channel of this.listeners.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch {
      this.listener = undefined;
      if (!this.closed) setTimeout(() => void this.relisten(), 1_000).unref();
    }
  }
}
