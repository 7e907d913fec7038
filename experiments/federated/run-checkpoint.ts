import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RoundStore } from '../../server/store/round-store.js';
import type { Metrics } from '../../models/eval/metrics.js';

/** What the simulation keeps beside the server's store after each round: the server keeps the rest. */
interface Progress {
  /** The run's settings: a checkpoint resumes only the run it was written by. */
  settings: Record<string, unknown>;
  /** Per finished round: the generator's state after it, and its scores once evaluated. */
  rounds: { round: number; rng: number; test?: Metrics; validation?: Metrics }[];
}

/**
 * A federated run's resumable state in a directory: the federation server's own durable store
 * (`pocketrank.sqlite`: model versions, optimizer state, finished rounds and so the privacy
 * spent) and `progress.json` (the simulation's generator state and scores). The server restarts
 * on the same store as a deployment's would; a run of hours then survives being stopped.
 */
export class RunCheckpoint {
  private readonly file: string;
  private progress: Progress;

  /** Opens `dir` (creating it); refuses a checkpoint written with other settings. */
  constructor(
    readonly dir: string,
    settings: Record<string, unknown>,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'progress.json');
    const fresh: Progress = { settings, rounds: [] };
    this.progress = existsSync(this.file) ? (JSON.parse(readFileSync(this.file, 'utf8')) as Progress) : fresh;
    const [saved, wanted] = [JSON.stringify(this.progress.settings), JSON.stringify(settings)];
    if (saved !== wanted)
      throw new Error(
        `checkpoint ${dir} was written by a run with other settings:\n  saved ${saved}\n  asked ${wanted}\nuse another directory or delete it`,
      );
  }

  /** The generator state to continue from after `round` finished rounds (the seed when none). */
  rngAfter(round: number, seed: number): number {
    return this.progress.rounds.filter((r) => r.round <= round).at(-1)?.rng ?? seed >>> 0;
  }

  /** Scores saved for `round`, if it was evaluated. */
  private scores(round: number): { test?: Metrics; validation?: Metrics } {
    return this.progress.rounds.find((r) => r.round === round) ?? {};
  }

  /**
   * The server's store in this directory. A round the stopped run left open lost its clients
   * with the process: it is aborted, as its deadline would abort it, so new clients start afresh.
   */
  async openStore(): Promise<RoundStore> {
    const store = await RoundStore.open({ dataDir: this.dir });
    for (const open of await store.openRounds())
      await store.abortRound(open.id, Date.now(), 'the simulation restarted; its clients are gone');
    return store;
  }

  /**
   * The saved scores of the due rounds among the first `finished`; `scoreLast` evaluates the last
   * one when the run stopped between the server's finishing it and its evaluation.
   */
  async restoreScores(
    finished: number,
    isDue: (round: number) => boolean,
    scoreLast: () => Promise<{ test: Metrics; validation?: Metrics }>,
  ): Promise<{ round: number; test: Metrics; validation?: Metrics }[]> {
    const restored: { round: number; test: Metrics; validation?: Metrics }[] = [];
    for (let round = 1; round <= finished; round++) {
      if (!isDue(round)) continue;
      let scores = this.scores(round);
      if (!scores.test && round === finished) scores = await scoreLast();
      if (!scores.test) throw new Error(`checkpoint ${this.dir} has no scores for round ${round}`);
      restored.push({ round, test: scores.test, ...(scores.validation && { validation: scores.validation }) });
    }
    return restored;
  }

  /** Records a finished round (and, once known, its scores); written atomically. */
  save(round: number, rng: number, scores: { test?: Metrics; validation?: Metrics } = {}): void {
    this.progress.rounds = [...this.progress.rounds.filter((r) => r.round !== round), { round, rng, ...scores }].sort(
      (a, b) => a.round - b.round,
    );
    writeFileSync(`${this.file}.tmp`, JSON.stringify(this.progress, null, 1));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
