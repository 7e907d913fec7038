import type { SqlDatabase } from './sql-database.js';
import type { SqliteDatabase } from './sqlite-database.js';

/**
 * The schema, as numbered migrations applied in order and recorded in `schema_migrations`.
 * Written in SQLite's types; PostgreSQL reads BLOB as BYTEA, REAL as DOUBLE PRECISION and
 * INTEGER as BIGINT (times are milliseconds since the epoch). A new column is a new migration.
 */
const MIGRATIONS: string[] = [
  // 1: rounds, their per-client tables, model versions, admission and analytics.
  `
CREATE TABLE IF NOT EXISTS model_versions (
  version INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, params BLOB NOT NULL, optimizer_state BLOB, round_id TEXT
);
CREATE TABLE IF NOT EXISTS rounds (
  id TEXT PRIMARY KEY, model_version INTEGER NOT NULL, phase TEXT NOT NULL, threshold INTEGER NOT NULL,
  vector_length INTEGER NOT NULL, min_clients INTEGER NOT NULL, max_clients INTEGER NOT NULL, clip REAL NOT NULL,
  noise_multiplier REAL NOT NULL, range REAL NOT NULL, scale INTEGER NOT NULL,
  phase_started_at INTEGER NOT NULL, created_at INTEGER NOT NULL, abort_reason TEXT,
  degree INTEGER NOT NULL DEFAULT 0, share_threshold INTEGER NOT NULL DEFAULT 0, cohort INTEGER NOT NULL DEFAULT 0,
  kind TEXT NOT NULL DEFAULT 'model', experiment TEXT, period INTEGER, arms TEXT,
  local_variance REAL NOT NULL DEFAULT 0, currency TEXT
);
CREATE TABLE IF NOT EXISTS candidates (
  round_id TEXT NOT NULL, candidate INTEGER NOT NULL, client_id TEXT NOT NULL, token_hash TEXT NOT NULL,
  identity_key BLOB NOT NULL, PRIMARY KEY (round_id, candidate), UNIQUE (round_id, client_id)
);
CREATE INDEX IF NOT EXISTS candidates_by_token ON candidates (round_id, token_hash);
CREATE TABLE IF NOT EXISTS participants (
  round_id TEXT NOT NULL, idx INTEGER NOT NULL, client_id TEXT NOT NULL, token_hash TEXT NOT NULL, identity_key BLOB NOT NULL,
  PRIMARY KEY (round_id, idx), UNIQUE (round_id, client_id)
);
CREATE INDEX IF NOT EXISTS participants_by_token ON participants (round_id, token_hash);
CREATE TABLE IF NOT EXISTS advertisements (
  round_id TEXT NOT NULL, idx INTEGER NOT NULL, cipher_pk BLOB NOT NULL, mask_pk BLOB NOT NULL, signature BLOB NOT NULL,
  identity_key BLOB, PRIMARY KEY (round_id, idx)
);
CREATE TABLE IF NOT EXISTS share_bundles (
  round_id TEXT NOT NULL, from_idx INTEGER NOT NULL, to_idx INTEGER NOT NULL, sealed BLOB NOT NULL,
  PRIMARY KEY (round_id, from_idx, to_idx)
);
CREATE TABLE IF NOT EXISTS share_senders (round_id TEXT NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (round_id, idx));
CREATE TABLE IF NOT EXISTS masked_inputs (round_id TEXT NOT NULL, idx INTEGER NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (round_id, idx));
CREATE TABLE IF NOT EXISTS consistency_signatures (round_id TEXT NOT NULL, idx INTEGER NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (round_id, idx));
CREATE TABLE IF NOT EXISTS unmask_responses (round_id TEXT NOT NULL, idx INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (round_id, idx));
CREATE TABLE IF NOT EXISTS clients (client_id TEXT PRIMARY KEY, identity_key BLOB NOT NULL, pinned_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS used_tickets (nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS analytics_contributors (
  experiment TEXT NOT NULL, period INTEGER NOT NULL, client_id TEXT NOT NULL, round_id TEXT NOT NULL,
  PRIMARY KEY (experiment, period, client_id)
);
CREATE INDEX IF NOT EXISTS analytics_contributors_by_round ON analytics_contributors (round_id);
CREATE TABLE IF NOT EXISTS analytics_releases (
  round_id TEXT PRIMARY KEY, experiment TEXT NOT NULL, period INTEGER NOT NULL, arms TEXT NOT NULL,
  survivors INTEGER NOT NULL, threshold INTEGER NOT NULL, local_variance REAL NOT NULL, sum TEXT NOT NULL,
  epsilon REAL NOT NULL, delta REAL NOT NULL, created_at INTEGER NOT NULL, currency TEXT
);
CREATE INDEX IF NOT EXISTS analytics_releases_by_experiment ON analytics_releases (experiment, period);
`,
  // 2: the unmasking of a finished round is a job one process claims for a lease; server processes beat.
  `
ALTER TABLE rounds ADD COLUMN unmask_owner TEXT;
ALTER TABLE rounds ADD COLUMN unmask_lease_until INTEGER NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS server_processes (id TEXT PRIMARY KEY, started_at INTEGER NOT NULL, seen_at INTEGER NOT NULL);
`,
];

/** SQLite's spelling of a migration in PostgreSQL's types. */
const postgresTypes = (sql: string): string =>
  sql
    .replace(/\bBLOB\b/g, 'BYTEA')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION')
    .replace(/\bINTEGER\b/g, 'BIGINT');

/** Columns added to SQLite files before migrations were numbered, added where a file lacks them. */
const LEGACY_COLUMNS: Record<string, [column: string, definition: string][]> = {
  rounds: [
    ['degree', 'INTEGER NOT NULL DEFAULT 0'],
    ['share_threshold', 'INTEGER NOT NULL DEFAULT 0'],
    ['cohort', 'INTEGER NOT NULL DEFAULT 0'],
    ['kind', "TEXT NOT NULL DEFAULT 'model'"],
    ['experiment', 'TEXT'],
    ['period', 'INTEGER'],
    ['arms', 'TEXT'],
    ['local_variance', 'REAL NOT NULL DEFAULT 0'],
    ['currency', 'TEXT'],
  ],
  advertisements: [['identity_key', 'BLOB']],
  analytics_releases: [['currency', 'TEXT']],
};

/** Brings an SQLite file from before numbered migrations to migration 1's columns. */
function upgradeLegacySqlite(db: SqliteDatabase): void {
  for (const [table, columns] of Object.entries(LEGACY_COLUMNS)) {
    const have = new Set(
      (db.raw.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name),
    );
    if (have.size === 0) continue;
    for (const [column, definition] of columns)
      if (!have.has(column)) db.raw.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    // Files from before cohorts were drawn counted the cohort from its participant rows.
    if (table === 'rounds' && !have.has('cohort'))
      db.raw.exec('UPDATE rounds SET cohort = (SELECT COUNT(*) FROM participants p WHERE p.round_id = rounds.id)');
  }
}

/**
 * Applies the migrations a database has not had, in one transaction; concurrent processes
 * starting on one PostgreSQL take turns (an advisory lock), so each migration runs once.
 */
export async function migrateSchema(db: SqlDatabase): Promise<void> {
  await db.tx(async () => {
    await db.lockKey('pocketrank.schema');
    const ddl = (sql: string) => db.exec(db.dialect === 'postgres' ? postgresTypes(sql) : sql);
    await ddl(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
    );
    const done = await db.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    let version = done?.v ?? 0;
    if (version === 0 && db.dialect === 'sqlite') upgradeLegacySqlite(db as SqliteDatabase);
    for (; version < MIGRATIONS.length; version++) {
      await ddl(MIGRATIONS[version]!);
      await db.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [version + 1, Date.now()]);
    }
  });
}
