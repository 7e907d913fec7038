import { randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Phase } from '../../protocol/messages.js';

/** Per-round tables with one row per client index. */
export type RoundTable =
  'participants' | 'advertisements' | 'share_senders' | 'masked_inputs' | 'consistency_signatures' | 'unmask_responses';

/** A round's row. */
export interface RoundRow {
  id: string;
  model_version: number;
  phase: Phase;
  /** Fewest survivors the round may sum (ceil(fraction * cohort)); also sizes the noise shares. */
  threshold: number;
  /** SecAgg+ graph degree (cohort - 1: complete graph; 0: not chosen yet). */
  degree: number;
  /** Shamir threshold within a neighbourhood (equals `threshold` for the complete graph). */
  share_threshold: number;
  vector_length: number;
  min_clients: number;
  max_clients: number;
  /** L2 clip norm of client updates. */
  clip: number;
  /** Gaussian noise multiplier z of the round (0: no DP). */
  noise_multiplier: number;
  /** Fixed-point range per coordinate (covers clipped update plus noise share). */
  range: number;
  scale: number;
  phase_started_at: number;
  created_at: number;
  abort_reason: string | null;
  /** Clients drawn into the cohort when check-in closed (0 while it is open). */
  cohort: number;
  /** A model-training round, or an experiment's analytics round (see analytics-store.ts). */
  kind: RoundKind;
  /** Analytics rounds: the experiment, its reporting period (UTC days since the epoch) and its arms (JSON). */
  experiment: string | null;
  period: number | null;
  arms: string | null;
  /** Analytics rounds of an experiment that counts revenue: its ISO 4217 currency. */
  currency: string | null;
  /** Analytics rounds: the discrete Gaussian variance each client adds per coordinate (0 until check-in closes). */
  local_variance: number;
}

/** What a round sums: model updates, or an experiment's counter vectors. */
export type RoundKind = 'model' | 'analytics';

/** Round settings fixed when a phase starts. */
export type RoundFields = Partial<
  Pick<RoundRow, 'threshold' | 'degree' | 'share_threshold' | 'range' | 'scale' | 'cohort' | 'local_variance'>
> & {
  abort_reason?: string;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS model_versions (
  version INTEGER PRIMARY KEY, created_at INTEGER NOT NULL, params BLOB NOT NULL, optimizer_state BLOB, round_id TEXT
);
CREATE TABLE IF NOT EXISTS rounds (
  id TEXT PRIMARY KEY, model_version INTEGER NOT NULL, phase TEXT NOT NULL, threshold INTEGER NOT NULL,
  vector_length INTEGER NOT NULL, min_clients INTEGER NOT NULL, max_clients INTEGER NOT NULL, clip REAL NOT NULL,
  noise_multiplier REAL NOT NULL, range REAL NOT NULL, scale INTEGER NOT NULL,
  phase_started_at INTEGER NOT NULL, created_at INTEGER NOT NULL, abort_reason TEXT,
  degree INTEGER NOT NULL DEFAULT 0, share_threshold INTEGER NOT NULL DEFAULT 0, cohort INTEGER NOT NULL DEFAULT 0
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
`;

/** `(?, ?, ...)` with `count` parameters, for an `IN` list of client indices. */
export const placeholders = (count: number): string => `(${Array.from({ length: count }, () => '?').join(', ')})`;

/**
 * Durable state of the federation server in SQLite (WAL). Every accepted submission is
 * committed before the request is answered, so a crash (even kill -9) loses nothing that a
 * client was told was accepted, and primary keys make a replayed submission a no-op.
 */
export class RoundStore {
  readonly db: Database.Database;
  private readonly phaseListeners = new Set<(roundId: string) => void>();

  /** Opens (creating) `<dataDir>/pocketrank.sqlite`; `:memory:` for tests that need no disk. */
  constructor(dataDir: string) {
    if (dataDir === ':memory:') {
      this.db = new Database(':memory:');
    } else {
      mkdirSync(dataDir, { recursive: true });
      this.db = new Database(join(dataDir, 'pocketrank.sqlite'));
    }
    this.db.pragma('journal_mode = WAL');
    // NORMAL is durable against process crashes in WAL mode; FULL would add an fsync per commit for power loss.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    // Databases from before SecAgg+ lack the graph columns; 0 there means the complete graph.
    const columns = new Set(
      (this.db.prepare('PRAGMA table_info(rounds)').all() as { name: string }[]).map((c) => c.name),
    );
    if (!columns.has('degree'))
      this.db.exec(
        'ALTER TABLE rounds ADD COLUMN degree INTEGER NOT NULL DEFAULT 0; ALTER TABLE rounds ADD COLUMN share_threshold INTEGER NOT NULL DEFAULT 0;',
      );
    // Databases from before cohorts were drawn counted the cohort from its participant rows, which are now pruned.
    if (!columns.has('cohort'))
      this.db.exec(
        'ALTER TABLE rounds ADD COLUMN cohort INTEGER NOT NULL DEFAULT 0; UPDATE rounds SET cohort = ' +
          '(SELECT COUNT(*) FROM participants p WHERE p.round_id = rounds.id);',
      );
    this.db.exec('CREATE INDEX IF NOT EXISTS participants_by_token ON participants (round_id, token_hash)');
    // Databases from before analytics rounds hold model rounds only.
    if (!columns.has('kind'))
      this.db.exec(
        "ALTER TABLE rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'model'; ALTER TABLE rounds ADD COLUMN experiment TEXT; " +
          'ALTER TABLE rounds ADD COLUMN period INTEGER; ALTER TABLE rounds ADD COLUMN arms TEXT; ' +
          'ALTER TABLE rounds ADD COLUMN local_variance REAL NOT NULL DEFAULT 0;',
      );
    // Databases from before revenue counting have analytics rounds without a currency.
    if (!columns.has('currency')) this.db.exec('ALTER TABLE rounds ADD COLUMN currency TEXT');
    // Advertisements carry their signer's identity key, so they outlive the pruned participant rows.
    const adColumns = this.db.prepare('PRAGMA table_info(advertisements)').all() as { name: string }[];
    if (!adColumns.some((c) => c.name === 'identity_key'))
      this.db.exec('ALTER TABLE advertisements ADD COLUMN identity_key BLOB');
  }

  /** Runs `fn` in one transaction. */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  latestModel(): { version: number; params: Buffer; optimizer_state: Buffer | null } | undefined {
    return this.db
      .prepare('SELECT version, params, optimizer_state FROM model_versions ORDER BY version DESC LIMIT 1')
      .get() as never;
  }

  model(version: number): { version: number; params: Buffer } | undefined {
    return this.db.prepare('SELECT version, params FROM model_versions WHERE version = ?').get(version) as never;
  }

  insertModel(
    version: number,
    params: Float32Array,
    optimizerState: Float32Array | null,
    roundId: string | null,
    now: number,
  ): void {
    this.db
      .prepare(
        'INSERT INTO model_versions (version, created_at, params, optimizer_state, round_id) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        version,
        now,
        Buffer.from(params.buffer, params.byteOffset, params.byteLength),
        optimizerState
          ? Buffer.from(optimizerState.buffer, optimizerState.byteOffset, optimizerState.byteLength)
          : null,
        roundId,
      );
  }

  /** Cohort sizes and noise multipliers of finished model rounds, for DP-FedAvg's accounting. */
  finishedRounds(): { cohort: number; noise_multiplier: number }[] {
    return this.db
      .prepare("SELECT cohort, noise_multiplier FROM rounds WHERE phase = 'done' AND kind = 'model'")
      .all() as never;
  }

  round(id: string): RoundRow | undefined {
    return this.db.prepare('SELECT * FROM rounds WHERE id = ?').get(id) as RoundRow | undefined;
  }

  /** Rounds still in progress, oldest first. */
  openRounds(): RoundRow[] {
    return this.db
      .prepare("SELECT * FROM rounds WHERE phase NOT IN ('done', 'aborted') ORDER BY created_at")
      .all() as RoundRow[];
  }

  insertRound(r: Omit<RoundRow, 'abort_reason' | 'degree' | 'share_threshold' | 'cohort' | 'local_variance'>): void {
    this.db
      .prepare(
        'INSERT INTO rounds (id, model_version, phase, threshold, vector_length, min_clients, max_clients, ' +
          'clip, noise_multiplier, range, scale, phase_started_at, created_at, kind, experiment, period, arms, currency) ' +
          'VALUES ' +
          '(@id, @model_version, @phase, @threshold, @vector_length, @min_clients, @max_clients, @clip, ' +
          '@noise_multiplier, @range, @scale, @phase_started_at, @created_at, @kind, @experiment, @period, @arms, @currency)',
      )
      .run(r);
  }

  /**
   * Restarts the phase clock of every open round at `now`, for a server that just started: the
   * time it was down is not the clients' delay. Returns how many rounds it touched.
   */
  restartPhaseClocks(now: number): number {
    return this.db.prepare("UPDATE rounds SET phase_started_at = ? WHERE phase NOT IN ('done', 'aborted')").run(now)
      .changes;
  }

  setPhase(id: string, phase: Phase, now: number, fields: RoundFields = {}): void {
    this.db
      .prepare(
        'UPDATE rounds SET phase = ?, phase_started_at = ?, threshold = COALESCE(?, threshold), degree = ' +
          'COALESCE(?, degree), share_threshold = COALESCE(?, share_threshold), range = COALESCE(?, range), ' +
          'scale = COALESCE(?, scale), abort_reason = COALESCE(?, abort_reason), cohort = COALESCE(?, cohort), ' +
          'local_variance = COALESCE(?, local_variance) WHERE id = ?',
      )
      .run(
        phase,
        now,
        fields.threshold ?? null,
        fields.degree ?? null,
        fields.share_threshold ?? null,
        fields.range ?? null,
        fields.scale ?? null,
        fields.abort_reason ?? null,
        fields.cohort ?? null,
        fields.local_variance ?? null,
        id,
      );
    if (phase === 'done' || phase === 'aborted') this.purgeUploads(id);
    for (const listener of this.phaseListeners) listener(id);
  }

  /**
   * Calls `listener` with the round's id after every phase change (inside the change's
   * transaction: a listener must re-read, not assume it committed). Returns the unsubscribe.
   */
  onPhaseChange(listener: (roundId: string) => void): () => void {
    this.phaseListeners.add(listener);
    return () => this.phaseListeners.delete(listener);
  }

  /**
   * Once a round has ended, its masked vectors, sealed share bundles and unmasking responses
   * serve nothing (the sum is published, or will never be): they are deleted, so the server
   * keeps no per-client upload past its round and its disk does not grow by the cohort's
   * uploads (~300 KB each) every round. Candidates and participants (tokens, client ids) go too:
   * a script's thousand check-ins must not stay for good. The cohort's size stays in the round's
   * row for the privacy accounting; its public advertisements and who uploaded stay, per index.
   */
  private purgeUploads(roundId: string): void {
    this.db.prepare("UPDATE masked_inputs SET vector = x'' WHERE round_id = ?").run(roundId);
    for (const table of ['share_bundles', 'unmask_responses', 'candidates', 'participants'])
      this.db.prepare(`DELETE FROM ${table} WHERE round_id = ?`).run(roundId);
  }

  /** Clients that checked in to a round (its cohort is drawn from them). */
  candidateCount(roundId: string): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM candidates WHERE round_id = ?').get(roundId) as { n: number }).n;
  }

  /**
   * Draws the cohort: `size` of the round's candidates uniformly at random (crypto.randomInt), in
   * random order as indices 1..size. Arriving first buys no seat, and no index says who came when.
   */
  drawCohort(roundId: string, size: number): void {
    const picks = (
      this.db.prepare('SELECT candidate FROM candidates WHERE round_id = ?').all(roundId) as { candidate: number }[]
    ).map((c) => c.candidate);
    for (let i = picks.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [picks[i], picks[j]] = [picks[j]!, picks[i]!];
    }
    const insert = this.db.prepare(
      'INSERT INTO participants (round_id, idx, client_id, token_hash, identity_key) SELECT round_id, ?, client_id, ' +
        'token_hash, identity_key FROM candidates WHERE round_id = ? AND candidate = ?',
    );
    picks.slice(0, size).forEach((candidate, i) => insert.run(i + 1, roundId, candidate));
  }

  /** Number of rows of a per-round table. */
  count(table: RoundTable, roundId: string): number {
    return (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table} WHERE round_id = ?`).get(roundId) as { n: number }).n;
  }

  /** Indices present in a per-round table, ascending. */
  indices(table: RoundTable, roundId: string): number[] {
    return (
      this.db.prepare(`SELECT idx FROM ${table} WHERE round_id = ? ORDER BY idx`).all(roundId) as { idx: number }[]
    ).map((r) => r.idx);
  }

  /**
   * Which of `candidates` are present in a per-round table, ascending: a client's neighbourhood
   * is looked up by key, so a SecAgg+ request costs O(k) however large the cohort.
   */
  present(table: RoundTable, roundId: string, candidates: readonly number[]): number[] {
    const found: number[] = [];
    // SQLite binds at most 32,766 parameters a statement.
    for (let start = 0; start < candidates.length; start += 10_000) {
      const slice = candidates.slice(start, start + 10_000);
      const rows = this.db
        .prepare(`SELECT idx FROM ${table} WHERE round_id = ? AND idx IN ${placeholders(slice.length)}`)
        .all(roundId, ...slice) as { idx: number }[];
      for (const row of rows) found.push(row.idx);
    }
    return found.sort((a, b) => a - b);
  }

  close(): void {
    this.db.close();
  }
}
