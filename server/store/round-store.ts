import { randomInt } from 'node:crypto';
import type { Phase } from '../../protocol/messages.js';
import { migrateSchema } from './migrate-schema.js';
import { PostgresDatabase } from './postgres-database.js';
import type { SqlDatabase } from './sql-database.js';
import { SqliteDatabase } from './sqlite-database.js';

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
  /** The server process unmasking the finished round, and until when its claim holds (ms). */
  unmask_owner: string | null;
  unmask_lease_until: number;
}

/** What a round sums: model updates, or an experiment's counter vectors. */
export type RoundKind = 'model' | 'analytics';

/** Round settings fixed when a phase starts. */
export type RoundFields = Partial<
  Pick<RoundRow, 'threshold' | 'degree' | 'share_threshold' | 'range' | 'scale' | 'cohort' | 'local_variance'>
> & {
  abort_reason?: string;
};

/** `(?, ?, ...)` with `count` parameters, for an `IN` list of client indices. */
export const placeholders = (count: number): string => `(${Array.from({ length: count }, () => '?').join(', ')})`;

/** Where the server keeps its state: an SQLite file under `dataDir`, or a PostgreSQL URL. */
export interface StoreLocation {
  dataDir: string;
  /** `postgres://…`: many server processes share it; unset: the embedded SQLite file. */
  database?: string;
}

/** The channel a phase change is announced on (payload: the round's id). */
const PHASE_CHANNEL = 'pocketrank_phase';

/**
 * Durable state of the federation server: rounds and model versions (this class), the
 * per-client submissions (SubmissionStore), admission and analytics, on one SqlDatabase. Every
 * accepted submission is committed before the request is answered, so a crash (even kill -9)
 * loses nothing that a client was told was accepted, and primary keys make a replayed
 * submission a no-op. Several server processes may share one PostgreSQL database: what must
 * happen once is ordered by the round's row lock ({@link lockRound}).
 */
export class RoundStore {
  private constructor(readonly db: SqlDatabase) {}

  /** Opens (creating, migrating) the store at `location`; `dataDir: ':memory:'` for tests that need no disk. */
  static async open(location: StoreLocation): Promise<RoundStore> {
    const db = location.database ? new PostgresDatabase(location.database) : new SqliteDatabase(location.dataDir);
    try {
      await migrateSchema(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    return new RoundStore(db);
  }

  /** Runs `fn` in one transaction (see SqlDatabase.tx). */
  tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.tx(fn);
  }

  latestModel(): Promise<{ version: number; params: Buffer; optimizer_state: Buffer | null } | undefined> {
    return this.db.get('SELECT version, params, optimizer_state FROM model_versions ORDER BY version DESC LIMIT 1');
  }

  model(version: number): Promise<{ version: number; params: Buffer } | undefined> {
    return this.db.get('SELECT version, params FROM model_versions WHERE version = ?', [version]);
  }

  /** Stores a model version; false when that version exists already (a process starting beside another). */
  async insertModel(
    version: number,
    params: Float32Array,
    optimizerState: Float32Array | null,
    roundId: string | null,
    now: number,
  ): Promise<boolean> {
    const bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    return (
      (await this.db.run(
        'INSERT INTO model_versions (version, created_at, params, optimizer_state, round_id) VALUES (?, ?, ?, ?, ?) ' +
          'ON CONFLICT DO NOTHING',
        [version, now, bytes(params), optimizerState ? bytes(optimizerState) : null, roundId],
      )) === 1
    );
  }

  /** Cohort sizes and noise multipliers of finished model rounds, for DP-FedAvg's accounting. */
  finishedRounds(): Promise<{ cohort: number; noise_multiplier: number }[]> {
    return this.db.all("SELECT cohort, noise_multiplier FROM rounds WHERE phase = 'done' AND kind = 'model'");
  }

  round(id: string): Promise<RoundRow | undefined> {
    return this.db.get('SELECT * FROM rounds WHERE id = ?', [id]);
  }

  /**
   * The round's row, locked until the transaction ends: `update` by whoever moves its phase or
   * admits a candidate (one at a time), `share` by submissions (together, but never while the
   * phase moves, so nothing lands in a phase that has closed). SQLite serializes every writer.
   */
  lockRound(id: string, mode: 'update' | 'share'): Promise<RoundRow | undefined> {
    return this.db.get(`SELECT * FROM rounds WHERE id = ? FOR ${mode === 'update' ? 'UPDATE' : 'SHARE'}`, [id]);
  }

  /** Rounds still in progress, oldest first. */
  openRounds(): Promise<RoundRow[]> {
    return this.db.all("SELECT * FROM rounds WHERE phase NOT IN ('done', 'aborted') ORDER BY created_at");
  }

  async insertRound(
    r: Omit<
      RoundRow,
      | 'abort_reason'
      | 'degree'
      | 'share_threshold'
      | 'cohort'
      | 'local_variance'
      | 'unmask_owner'
      | 'unmask_lease_until'
    >,
  ): Promise<void> {
    const columns = [
      'id',
      'model_version',
      'phase',
      'threshold',
      'vector_length',
      'min_clients',
      'max_clients',
      'clip',
      'noise_multiplier',
      'range',
      'scale',
      'phase_started_at',
      'created_at',
      'kind',
      'experiment',
      'period',
      'arms',
      'currency',
    ] as const;
    await this.db.run(
      `INSERT INTO rounds (${columns.join(', ')}) VALUES ${placeholders(columns.length)}`,
      columns.map((c) => r[c]),
    );
  }

  /**
   * Restarts the phase clock of every open round at `now`, for a server that just started: the
   * time it was down is not the clients' delay. Returns how many rounds it touched.
   */
  restartPhaseClocks(now: number): Promise<number> {
    return this.db.run("UPDATE rounds SET phase_started_at = ? WHERE phase NOT IN ('done', 'aborted')", [now]);
  }

  /** Moves a round to `phase` (inside the caller's transaction, which should hold its row lock) and announces it on commit. */
  async setPhase(id: string, phase: Phase, now: number, fields: RoundFields = {}): Promise<void> {
    await this.db.tx(async () => {
      await this.db.run(
        'UPDATE rounds SET phase = ?, phase_started_at = ?, threshold = COALESCE(?, threshold), degree = ' +
          'COALESCE(?, degree), share_threshold = COALESCE(?, share_threshold), range = COALESCE(?, range), ' +
          'scale = COALESCE(?, scale), abort_reason = COALESCE(?, abort_reason), cohort = COALESCE(?, cohort), ' +
          'local_variance = COALESCE(?, local_variance) WHERE id = ?',
        [
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
        ],
      );
      if (phase === 'done' || phase === 'aborted') await this.purgeUploads(id);
      // An aborted analytics round revealed nothing: its cohort may report the period again.
      if (phase === 'aborted') await this.db.run('DELETE FROM analytics_contributors WHERE round_id = ?', [id]);
      await this.db.notify(PHASE_CHANNEL, id);
    });
  }

  /** Aborts a round, with its reason, unless it already ended; true when this call aborted it. */
  abortRound(id: string, now: number, reason: string): Promise<boolean> {
    return this.db.tx(async () => {
      const r = await this.lockRound(id, 'update');
      if (!r || r.phase === 'done' || r.phase === 'aborted') return false;
      await this.setPhase(id, 'aborted', now, { abort_reason: reason.slice(0, 500) });
      return true;
    });
  }

  /**
   * Calls `listener` with a round's id after each phase change commits, in any server process on
   * this database (a hint: the listener re-reads). Returns the unsubscribe.
   */
  onPhaseChange(listener: (roundId: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(PHASE_CHANNEL, listener);
  }

  /**
   * Once a round has ended, its masked vectors, sealed share bundles and unmasking responses
   * serve nothing (the sum is published, or will never be): they are deleted, so the server
   * keeps no per-client upload past its round and its disk does not grow by the cohort's
   * uploads (~300 KB each) every round. Candidates and participants (tokens, client ids) go too:
   * a script's thousand check-ins must not stay for good. The cohort's size stays in the round's
   * row for the privacy accounting; its public advertisements and who uploaded stay, per index.
   */
  private async purgeUploads(roundId: string): Promise<void> {
    await this.db.run('UPDATE masked_inputs SET vector = ? WHERE round_id = ?', [new Uint8Array(0), roundId]);
    for (const table of ['share_bundles', 'unmask_responses', 'candidates', 'participants'])
      await this.db.run(`DELETE FROM ${table} WHERE round_id = ?`, [roundId]);
  }

  /** Clients that checked in to a round (its cohort is drawn from them). */
  async candidateCount(roundId: string): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM candidates WHERE round_id = ?', [roundId]))!.n;
  }

  /**
   * Draws the cohort: `size` of the round's candidates uniformly at random (crypto.randomInt), in
   * random order as indices 1..size. Arriving first buys no seat, and no index says who came when.
   */
  async drawCohort(roundId: string, size: number): Promise<void> {
    const picks = (
      await this.db.all<{ candidate: number }>('SELECT candidate FROM candidates WHERE round_id = ?', [roundId])
    ).map((c) => c.candidate);
    for (let i = picks.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [picks[i], picks[j]] = [picks[j]!, picks[i]!];
    }
    const chosen = picks.slice(0, size);
    // One statement per 400 seats: a cohort of thousands in a few round trips, under SQLite's
    // 500 terms of a compound SELECT.
    for (let start = 0; start < chosen.length; start += 400) {
      const slice = chosen.slice(start, start + 400);
      const seats = slice
        .map(() => 'SELECT CAST(? AS INTEGER) AS idx, CAST(? AS INTEGER) AS candidate')
        .join(' UNION ALL ');
      await this.db.run(
        'INSERT INTO participants (round_id, idx, client_id, token_hash, identity_key) SELECT c.round_id, s.idx, ' +
          `c.client_id, c.token_hash, c.identity_key FROM (${seats}) s JOIN candidates c ON c.round_id = ? AND ` +
          'c.candidate = s.candidate',
        [...slice.flatMap((candidate, i) => [start + i + 1, candidate]), roundId],
      );
    }
  }

  /** Number of rows of a per-round table. */
  async count(table: RoundTable, roundId: string): Promise<number> {
    return (await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table} WHERE round_id = ?`, [roundId]))!.n;
  }

  /** Indices present in a per-round table, ascending. */
  async indices(table: RoundTable, roundId: string): Promise<number[]> {
    const rows = await this.db.all<{ idx: number }>(`SELECT idx FROM ${table} WHERE round_id = ? ORDER BY idx`, [
      roundId,
    ]);
    return rows.map((r) => r.idx);
  }

  /**
   * Which of `candidates` are present in a per-round table, ascending: a client's neighbourhood
   * is looked up by key, so a SecAgg+ request costs O(k) however large the cohort.
   */
  async present(table: RoundTable, roundId: string, candidates: readonly number[]): Promise<number[]> {
    const found: number[] = [];
    // SQLite binds at most 32,766 parameters a statement.
    for (let start = 0; start < candidates.length; start += 10_000) {
      const slice = candidates.slice(start, start + 10_000);
      const rows = await this.db.all<{ idx: number }>(
        `SELECT idx FROM ${table} WHERE round_id = ? AND idx IN ${placeholders(slice.length)}`,
        [roundId, ...slice],
      );
      for (const row of rows) found.push(row.idx);
    }
    return found.sort((a, b) => a - b);
  }

  /**
   * Claims the unmasking of a round in `unmask` for `leaseMs`: true when `owner` holds it now
   * (it did, or nobody did, or the holder's lease ran out because it died). The holder renews it
   * while it works; the result is committed only while the round is still in `unmask`.
   */
  async claimUnmask(roundId: string, owner: string, now: number, leaseMs: number): Promise<boolean> {
    const changed = await this.db.run(
      "UPDATE rounds SET unmask_owner = ?, unmask_lease_until = ? WHERE id = ? AND phase = 'unmask' AND " +
        '(unmask_owner IS NULL OR unmask_owner = ? OR unmask_lease_until < ?)',
      [owner, now + leaseMs, roundId, owner, now],
    );
    return changed === 1;
  }

  /** Records that server process `id` is alive at `now`; forgets processes silent for a day. */
  async beat(id: string, startedAt: number, now: number): Promise<void> {
    await this.db.run(
      'INSERT INTO server_processes (id, started_at, seen_at) VALUES (?, ?, ?) ' +
        'ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
      [id, startedAt, now],
    );
    await this.db.run('DELETE FROM server_processes WHERE seen_at < ?', [now - 86_400_000]);
  }

  /** Server processes other than `self` seen since `since`, with when each last beat. */
  otherProcesses(self: string, since: number): Promise<{ id: string; seen_at: number }[]> {
    return this.db.all('SELECT id, seen_at FROM server_processes WHERE id <> ? AND seen_at >= ?', [self, since]);
  }

  /** A process that stops cleanly says so, so the next to start knows the server was down. */
  async forgetProcess(id: string): Promise<void> {
    await this.db.run('DELETE FROM server_processes WHERE id = ?', [id]);
  }

  close(): Promise<void> {
    return this.db.close();
  }
}
