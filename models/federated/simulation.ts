import * as tf from '@tensorflow/tfjs-core';
import { createApp } from '../../server/http/create-app.js';
import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';
import { RoundService } from '../../server/rounds/round-service.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { RoundStore } from '../../server/store/round-store.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { createIdentity } from '../../worker/secagg/signed-keys.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import type { EvalCase } from '../data/leave-one-out.js';
import { evaluate } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { makeBatches, nextItemExamples } from '../train/batches.js';
import { assignFlat, federatedVariables, fineTuneOnHistory, flattenVariables } from '../train/local-finetune.js';
import { nextItemLoss } from '../train/next-item-loss.js';

/** Knobs of one federated run. */
export interface FederatedRunOptions {
  clientsPerRound: number;
  rounds: number;
  noiseMultiplier: number;
  clip: number;
  localSteps: number;
  localLearningRate: number;
  seed: number;
  onRound?: (round: number, metrics: Metrics) => void;
}

/** Smallest noise multiplier whose epsilon after `rounds` rounds at sampling rate q stays within `epsilon` (binary search). */
export function noiseForEpsilon(epsilon: number, q: number, rounds: number, delta: number): number {
  let [lo, hi] = [0.05, 200];
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (dpFedAvgEpsilon(q, mid, rounds, delta) > epsilon) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * Federated fine-tuning of the encoder through the real federation server (Fastify on
 * loopback) and the real secure-aggregation client code: each round samples a cohort, every
 * simulated client fine-tunes the round's global encoder on its own history only, and the
 * runner clips, noises, quantizes and masks the delta. In-process clients share one tfjs model,
 * so their local training is serialized; the protocol messages still interleave.
 */
export async function runFederated(encoder: SasrecEncoder, users: readonly number[][], evalCases: readonly EvalCase[], options: FederatedRunOptions): Promise<Metrics[]> {
  const vars = federatedVariables(encoder);
  const initial = flattenVariables(vars);
  const config = { ...DEFAULT_CONFIG, dataDir: ':memory:', minClients: options.clientsPerRound, maxClients: options.clientsPerRound, vectorLength: initial.length, clip: options.clip, noiseMultiplier: options.noiseMultiplier, population: users.length, phaseDeadlineMs: 600_000 };
  const store = new RoundStore(':memory:');
  const service = new RoundService(store, config, Date.now, () => undefined, initial);
  const app = createApp(service, store);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const rand = mulberry32(options.seed);
  // Every client of a round starts from the same version: download it once.
  const versions = new Map<number, Promise<Float32Array>>();
  const download = (version: number) => {
    let params = versions.get(version);
    if (!params) {
      params = fetch(`${url}/v1/models/${version}`).then(async (r) => new Float32Array(await r.arrayBuffer()));
      versions.set(version, params);
    }
    return params;
  };
  let training = Promise.resolve();
  const perRound: Metrics[] = [];
  try {
    for (let round = 1; round <= options.rounds; round++) {
      const cohort = shuffleInPlace(users.map((_, i) => i), rand).slice(0, options.clientsPerRound);
      const outcomes = await Promise.all(
        cohort.map(async (u) =>
          runRound({
            server: url,
            clientId: crypto.randomUUID(),
            identity: await createIdentity(),
            pollMs: 20,
            timeoutMs: 600_000,
            update: (info) => {
              const job = training.then(async () => {
                assignFlat(vars, await download(info.modelVersion));
                const { delta } = await fineTuneOnHistory(encoder, users[u]!, { steps: options.localSteps, learningRate: options.localLearningRate, negatives: 1024, rand });
                return delta;
              });
              // Serialized, and one client's failure must not block the others' turns.
              training = job.then(
                () => undefined,
                () => undefined,
              );
              return job;
            },
          }),
        ),
      );
      if (outcomes.some((o) => o.phase !== 'done')) throw new Error(`round ${round} did not complete: ${outcomes.map((o) => o.phase).join(',')}`);
      const { version } = (await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number };
      assignFlat(vars, await download(version));
      const metrics = (await evaluate(sasrecScorer(encoder), evalCases)).metrics;
      perRound.push(metrics);
      options.onRound?.(round, metrics);
    }
  } finally {
    await app.close();
    store.close();
  }
  return perRound;
}

/** The ceiling: the same encoder fine-tuned centrally on every federated user's history. */
export async function centralizedFineTune(encoder: SasrecEncoder, users: readonly number[][], epochs: number, learningRate: number, seed: number): Promise<void> {
  const vars = federatedVariables(encoder);
  const rand = mulberry32(seed);
  const optimizer = tf.train.adam(learningRate);
  const examples = nextItemExamples(users as number[][], encoder.cfg.maxLen);
  for (let e = 0; e < epochs; e++) {
    for (const batch of makeBatches(examples, 128, rand)) {
      optimizer.minimize(() => tf.tidy(() => nextItemLoss(encoder, batch, 1024, rand)), false, vars);
    }
  }
  optimizer.dispose();
}
