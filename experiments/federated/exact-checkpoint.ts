import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Metrics } from '../../models/eval/metrics.js';

/** The state of an exact-aggregation run after a round: what the server's store holds in a real one. */
export interface ExactState {
  round: number;
  /** The round generator's state after this round. */
  rng: number;
  /** Rounds aborted so far (too few survivors). */
  aborted: number;
  params: Float32Array;
  /** FedAdam's moments (null for FedAvg). */
  state: Float32Array | null;
}

interface Saved {
  settings: Record<string, unknown>;
  round: number;
  rng: number;
  aborted: number;
  params: string;
  state: string | null;
  scores: { round: number; test: Metrics; validation?: Metrics }[];
}

const encode = (values: Float32Array) =>
  Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
const decode = (text: string) => {
  const bytes = Buffer.from(text, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
};

/**
 * An exact-aggregation run's resumable state in `dir/exact.json`, written atomically after every
 * round, so a run of hours survives being stopped; it refuses a directory another run wrote.
 */
export class ExactCheckpoint {
  private readonly file: string;
  private readonly scores: Saved['scores'];

  constructor(
    readonly dir: string,
    private readonly settings: Record<string, unknown>,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'exact.json');
    this.scores = this.read()?.scores ?? [];
  }

  private read(): Saved | undefined {
    if (!existsSync(this.file)) return undefined;
    const saved = JSON.parse(readFileSync(this.file, 'utf8')) as Saved;
    const [had, wanted] = [JSON.stringify(saved.settings), JSON.stringify(this.settings)];
    if (had !== wanted)
      throw new Error(
        `checkpoint ${this.dir} was written by a run with other settings:\n  saved ${had}\n  asked ${wanted}\nuse another directory or delete it`,
      );
    return saved;
  }

  /** The state after the last saved round, with the scores of every evaluated round; none if new. */
  load(): (ExactState & { scores: Saved['scores'] }) | undefined {
    const saved = this.read();
    if (!saved) return undefined;
    return {
      round: saved.round,
      rng: saved.rng,
      aborted: saved.aborted,
      params: decode(saved.params),
      state: saved.state === null ? null : decode(saved.state),
      scores: saved.scores,
    };
  }

  /** Saves the state after a round and, if it was evaluated, its scores. */
  save(state: ExactState, scores?: { test: Metrics; validation?: Metrics }): void {
    if (scores) this.scores.push({ round: state.round, ...scores });
    const saved: Saved = {
      settings: this.settings,
      round: state.round,
      rng: state.rng,
      aborted: state.aborted,
      params: encode(state.params),
      state: state.state && encode(state.state),
      scores: this.scores,
    };
    writeFileSync(`${this.file}.tmp`, JSON.stringify(saved));
    renameSync(`${this.file}.tmp`, this.file);
  }
}
