import type { SqlDatabase } from './sql-database.js';

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
  constructor(private readonly db: SqlDatabase) {}

  /** Whether `clientId` is in the cohort of a round of this experiment's period that did not abort. */
  async contributed(experiment: string, period: number, clientId: string): Promise<boolean> {
    return !!(await this.db.get(
      'SELECT 1 AS y FROM analytics_contributors WHERE experiment = ? AND period = ? AND client_id = ?',
      [experiment, period, clientId],
    ));
  }

  /** Records a drawn cohort as this period's contributors (from the round's participant rows). */
  async recordCohort(roundId: string, experiment: string, period: number): Promise<void> {
    await this.db.run(
      'INSERT INTO analytics_contributors (experiment, period, client_id, round_id) ' +
        'SELECT ?, ?, client_id, round_id FROM participants WHERE round_id = ? ON CONFLICT DO NOTHING',
      [experiment, period, roundId],
    );
  }

  async insertRelease(row: ReleaseRow): Promise<void> {
    const columns = [
      'round_id',
      'experiment',
      'period',
      'arms',
      'currency',
      'survivors',
      'threshold',
      'local_variance',
      'sum',
      'epsilon',
      'delta',
      'created_at',
    ] as const;
    await this.db.run(
      `INSERT INTO analytics_releases (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      columns.map((c) => row[c]),
    );
  }

  /** Every release of an experiment, oldest period first. */
  releases(experiment: string): Promise<ReleaseRow[]> {
    return this.db.all('SELECT * FROM analytics_releases WHERE experiment = ? ORDER BY period, created_at', [
      experiment,
    ]);
  }
}
