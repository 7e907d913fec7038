import { PocketrankError } from '../contract/pocketrank-error.js';
import type { Experiment } from '../contract/experiment-types.js';
import type { ConsentState, RecommendQuery } from '../contract/types.js';
import { assignArm } from './assign-arm.js';

const storageKey = (dbName: string) => `pocketrank:${dbName}:experiments`;

function readStored(dbName: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(storageKey(dbName)) ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {}; // no storage here (an opaque origin, a blocked one) or a damaged entry: assign afresh
  }
}

/**
 * This device's arm of every experiment. Assigned on the page, at start, so that the first list
 * already serves the arm. Kept in localStorage with consent (the same device keeps its arm on
 * every page view); without consent for this page only, and gone from the device when consent
 * is withdrawn or the shopper asks to be forgotten (who then draws afresh, as a new device).
 */
export class ExperimentArms {
  private arms: Record<string, string> = {};

  constructor(
    private readonly experiments: readonly Experiment[],
    private readonly dbName: string,
    consent: ConsentState,
  ) {
    const stored = consent === 'granted' ? readStored(dbName) : {};
    for (const experiment of experiments) {
      const kept = stored[experiment.id];
      // A stored arm stays while the experiment still has an arm of that name (weight 0 included).
      this.arms[experiment.id] = experiment.arms.some((arm) => arm.name === kept)
        ? (kept as string)
        : assignArm(experiment.arms);
    }
    if (consent === 'granted') this.store();
  }

  /** Every experiment with its arms' names (vector order) and this device's arm, as a report needs them. */
  get reportable(): { id: string; currency?: string; arms: string[]; arm: string }[] {
    return this.experiments.map((e) => ({
      id: e.id,
      ...(e.currency && { currency: e.currency }),
      arms: e.arms.map((a) => a.name),
      arm: this.arms[e.id]!,
    }));
  }

  /** Arm by experiment id, as `status().experiments` shows it. */
  get assigned(): Record<string, string> {
    return { ...this.arms };
  }

  /**
   * The query as this device's arm serves it (the arm's scenario in place of the one asked for),
   * and the experiment the list belongs to.
   */
  apply(query: RecommendQuery): { query: RecommendQuery; experiment?: string } {
    if (typeof query !== 'object' || query === null) return { query }; // validateQuery reports it
    const { experiment: named, ...rest } = query;
    if (named !== undefined && (typeof named !== 'string' || !this.experiments.some((e) => e.id === named)))
      throw new PocketrankError(
        'invalid_argument',
        `recommend: no experiment ${JSON.stringify(named)} is configured (options.experiments)`,
      );
    const experiment = named === undefined ? this.experiments[0] : this.experiments.find((e) => e.id === named);
    if (!experiment) return { query: rest };
    const arm = experiment.arms.find((a) => a.name === this.arms[experiment.id])!;
    return { query: arm.scenario ? { ...rest, scenario: arm.scenario } : rest, experiment: experiment.id };
  }

  /**
   * How this device's arm treats a `rerank()` list of the named experiment: a control arm (one
   * with a `scenario`) keeps the shop's order. Without a name the list is the shop's own.
   */
  rerankArm(named: unknown): { experiment?: string; keepOrder: boolean } {
    if (named === undefined) return { keepOrder: false };
    const experiment = typeof named === 'string' ? this.experiments.find((e) => e.id === named) : undefined;
    if (!experiment)
      throw new PocketrankError(
        'invalid_argument',
        `rerank: no experiment ${JSON.stringify(named)} is configured (options.experiments)`,
      );
    const arm = experiment.arms.find((a) => a.name === this.arms[experiment.id])!;
    return { experiment: experiment.id, keepOrder: arm.scenario !== undefined };
  }

  /** Consent granted: the arms are kept on the device from now on. */
  grant(): void {
    this.store();
  }

  /** Consent withdrawn: the stored arms go; this page keeps serving its arms from memory. */
  deny(): void {
    this.remove();
  }

  /** The shopper asked to be forgotten: the stored arms go and the device draws again. */
  forget(consent: ConsentState): void {
    this.remove();
    for (const experiment of this.experiments) this.arms[experiment.id] = assignArm(experiment.arms);
    if (consent === 'granted') this.store();
  }

  private store(): void {
    if (this.experiments.length === 0) return;
    try {
      localStorage.setItem(storageKey(this.dbName), JSON.stringify(this.arms));
    } catch {
      // Storage refused (quota, private mode): the arms hold for this page, as without consent.
    }
  }

  private remove(): void {
    try {
      localStorage.removeItem(storageKey(this.dbName));
    } catch {
      // No storage to remove from.
    }
  }
}
