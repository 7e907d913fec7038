import type Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS analytics_contributors (
  experiment TEXT NOT NULL, period INTEGER NOT NULL, client_id TEXT NOT NULL, round_id TEXT NOT NULL,
  PRIMARY KEY (experiment, period, client_id)
);
CREATE INDEX IF NOT EXISTS analytics_contributors_by_round ON analytics_contributors (round_id);
CREATE TABLE IF NOT EXISTS analytics_releases (
  round_id TEXT PRIMARY KEY, experiment TEXT NOT NULL, period INTEGER NOT NULL, arms TEXT NOT NULL,
  survivors INTEGER NOT NULL, threshold INTEGER NOT NULL, local_variance REAL NOT NULL, sum TEXT NOT NULL,
  epsilon REAL NOT NULL, delta REAL NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS analytics_releases_by_experiment ON analytics_releases (experiment, period);
`;

/** One published sum of an analytics round: the noisy totals in integer units and what it spent. */
export interface ReleaseRow {
  round_id: string;
  experiment: string;
  period: number;
  /** The arms' names, JSON, in vector order. */
  arms: string;
  /** The currency of the blocks' revenue fields; null: they have none. */
  currency: string | null;
  survivors: number;
  threshold: number;
  local_variance: number;
  /** The unmasked sum (JSON array of integers): devices' counts plus every survivor's noise. */
  sum: string;
  epsilon: number;
  delta: number;
  created_at: number;
}

/**
 * What analytics rounds keep: who contributed to which experiment's period (a device counts once
 * per period, which is what the per-period epsilon assumes), and each round's published sum.
 * Individual vectors are never kept: the masked uploads go when their round ends, as for models.
 */
export class AnalyticsStore {
  constructor(private readonly db: Database.Database) {
    db.exec(SCHEMA);
    // Releases from before revenue counting carry no currency.
    const columns = db.prepare('PRAGMA table_info(analytics_releases)').all() as { name: string }[];
    if (!columns.some((c) => c.name === 'currency')) db.exec('ALTER TABLE analytics_releases ADD COLUMN currency TEXT');
  }

  /** Whether `clientId` is in the cohort of a round of this experiment's period that did not abort. */
  contributed(experiment: string, period: number, clientId: string): boolean {
    return !!this.db
      .prepare('SELECT 1 FROM analytics_contributors WHERE experiment = ? AND period = ? AND client_id = ?')
      .get(experiment, period, clientId);
  }

  /** Records a drawn cohort as this period's contributors (from the round's participant rows). */
  recordCohort(roundId: string, experiment: string, period: number): void {
    this.db
      .prepare(
        'INSERT OR IGNORE INTO analytics_contributors (experiment, period, client_id, round_id) ' +
          'SELECT ?, ?, client_id, round_id FROM participants WHERE round_id = ?',
      )
      .run(experiment, period, roundId);
  }

  /** An aborted round revealed nothing: its cohort may contribute to the period again. */
  releaseCohort(roundId: string): void {
    this.db.prepare('DELETE FROM analytics_contributors WHERE round_id = ?').run(roundId);
  }

  insertRelease(row: ReleaseRow): void {
    this.db
      .prepare(
        'INSERT INTO analytics_releases (round_id, experiment, period, arms, currency, survivors, threshold, ' +
          'local_variance, sum, epsilon, delta, created_at) VALUES (@round_id, @experiment, @period, @arms, @currency, ' +
          '@survivors, @threshold, @local_variance, @sum, @epsilon, @delta, @created_at)',
      )
      .run(row);
  }

  /** Every release of an experiment, oldest period first. */
  releases(experiment: string): ReleaseRow[] {
    return this.db
      .prepare('SELECT * FROM analytics_releases WHERE experiment = ? ORDER BY period, created_at')
      .all(experiment) as ReleaseRow[];
  }
}
