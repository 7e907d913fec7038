import { mulberry32 } from '../../models/data/rng.js';
import type { EvalCase } from '../../models/data/leave-one-out.js';
import { evaluate } from '../../models/eval/evaluate.js';
import type { Metrics } from '../../models/eval/metrics.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';
import type { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { nextItemTargetCount } from '../../models/train/batches.js';
import { assignPart, federatedPart, flattenPart } from '../../models/train/local-finetune.js';
import {
  clientWeight,
  maxClientWeight,
  privatizeUpdate,
  quantizationRange,
} from '../../protocol/privacy/privatize-update.js';
import { decodeFixed, encodeFixed, fixedPointFor } from '../../protocol/secagg/fixed-point.js';
import { cohortThresholds } from '../../protocol/secagg/neighbor-graph.js';
import { l2Norm, sumNormBound } from '../../server/rounds/influence-bound.js';
import { applyServerStep } from '../../server/rounds/server-optimizer.js';
import { DEFAULT_CONFIG } from '../../server/rounds/server-config.js';
import { clientDelta } from './client-delta.js';
import { ExactCheckpoint } from './exact-checkpoint.js';
import { refusingNeighbourhood } from './neighbourhood-refusal.js';
import { sampleRound } from './sample-round.js';
import { type FederatedRunOptions, type RoundCost, runSettings } from './simulation.js';

/**
 * The rounds of {@link runFederated} with secure aggregation replaced by the sum it computes:
 * each surviving client's update is clipped, weighted, noised and fixed-point encoded by the
 * clients' own code, the encodings are added mod 2^32 (exactly what unmasking recovers), and the
 * server's own bound check and optimizer step make the next model. Same cohorts, dropouts,
 * thresholds and client generators as the real protocol, so without noise both give the same
 * model bit for bit (a test holds them to it); with noise, the same distribution. What it leaves
 * out is SecAgg's cost (~0.1 s a client at 131,072 values, measured on real rounds): that is what
 * makes hundreds of 1,000-client rounds fit in hours here. A round aborts where the server's would:
 * too few clients left, or one SecAgg+ neighbourhood short of its share threshold (on a graph of
 * the same degree, seeded by this run's round rather than the server's random round id).
 */
export async function runExactRounds(
  encoder: SasrecEncoder,
  users: readonly number[][],
  evalCases: readonly EvalCase[],
  options: FederatedRunOptions,
): Promise<{ test: Metrics[]; validation: Metrics[]; finished: boolean; aborted: number; costs: RoundCost[] }> {
  const part = federatedPart(encoder, options.federatedRows, options.coordinates);
  let params = flattenPart(part);
  let state: Float32Array | null = null;
  const checkpoint =
    options.checkpoint === undefined
      ? undefined
      : new ExactCheckpoint(options.checkpoint, runSettings(options, params, evalCases));
  const resumed = checkpoint?.load();
  if (resumed) [params, state] = [resumed.params, resumed.state];
  const rand = mulberry32(resumed?.rng ?? options.seed);
  const weighting = options.weighting ?? { examples: 0, cap: 1 };
  const thresholdFraction = options.thresholdFraction ?? DEFAULT_CONFIG.thresholdFraction;
  const minClients = options.participation ? 3 : options.clientsPerRound;
  const test: Metrics[] = [];
  const validation: Metrics[] = [];
  let aborted = resumed?.aborted ?? 0;
  // The rounds this process ran (a resumed run's earlier rounds cost what they cost before).
  const costs: RoundCost[] = [];
  for (const scores of resumed?.scores ?? []) {
    test.push(scores.test);
    if (scores.validation) validation.push(scores.validation);
  }
  if (resumed) {
    assignPart(part, params);
    console.error(`resuming from ${options.checkpoint!} after round ${resumed.round}`);
  }
  for (let round = (resumed?.round ?? 0) + 1; round <= options.rounds; round++) {
    const roundStart = performance.now();
    let training = 0;
    const { cohort, dropAt, drops, clientRand } = sampleRound(rand, users.length, options);
    if (cohort.length < minClients)
      throw new Error(`round ${round}: only ${cohort.length} clients sampled; raise the participation rate`);
    // As the server sets a round up at its advertise phase (next-phase.ts).
    const n = cohort.length;
    const neighbors = options.neighbors ?? DEFAULT_CONFIG.neighbors;
    const { threshold } = cohortThresholds(n, thresholdFraction, neighbors);
    const dp = { clip: options.clip, noiseMultiplier: options.noiseMultiplier, minSummands: threshold };
    const range = quantizationRange(dp, maxClientWeight(weighting));
    const fixed = { clip: range, scale: fixedPointFor(n, range).scale };
    // Clients leaving after advertising or sharing keys never upload; those leaving after
    // uploading are in the sum; the round ends only if the threshold stays to its last phase.
    const uploading = cohort.filter((u) => dropAt.get(u) !== 'advertise' && dropAt.get(u) !== 'share');
    let trained = 0;
    // The server numbers the cohort 1..n; which client gets which number changes nothing here.
    const index = new Map(cohort.map((u, i) => [u, i + 1]));
    const shape = {
      round: `exact:${options.seed}:${round}`,
      cohortSize: n,
      dropAt: new Map([...dropAt].map(([u, point]) => [index.get(u)!, point])),
      thresholdFraction,
      neighbors,
    };
    const refused =
      n - drops.advertise - drops.share - drops.mask < threshold || refusingNeighbourhood(shape) !== undefined;
    if (refused) {
      aborted += 1;
    } else {
      const sum = new Uint32Array(params.length);
      let moved = true;
      for (const u of uploading) {
        const trainStart = performance.now();
        // Each client starts from the round's model; a FedSGD gradient leaves it where it was.
        if (moved) assignPart(part, params);
        const { delta, moved: stepped } = await clientDelta(encoder, users[u]!, options, clientRand(u));
        moved = stepped;
        training += (performance.now() - trainStart) / 1000;
        const examples = nextItemTargetCount(users[u]!, encoder.cfg.maxLen);
        const update = privatizeUpdate(delta, { ...dp, weight: clientWeight(examples, weighting) });
        const encoded = encodeFixed(update, fixed);
        for (let i = 0; i < sum.length; i++) sum[i] = (sum[i]! + encoded[i]!) >>> 0;
      }
      const survivors = (trained = uploading.length);
      const total = decodeFixed(sum, fixed);
      const bound = sumNormBound({
        survivors,
        clip: options.clip,
        maxWeight: maxClientWeight(weighting),
        noiseMultiplier: options.noiseMultiplier,
        threshold,
        length: total.length,
        scale: fixed.scale,
      });
      if (!(l2Norm(total) <= bound)) throw new Error(`round ${round}: honest clients' sum exceeded its bound`);
      const mean = total.map((v) => v / survivors);
      const step = applyServerStep(
        options.serverOptimizer,
        options.serverLearningRate,
        params,
        mean,
        state,
        options.serverAdamTau ?? DEFAULT_CONFIG.serverAdamTau,
      );
      [params, state] = [step.params, step.state];
    }
    assignPart(part, params);
    const roundSeconds = (performance.now() - roundStart) / 1000;
    costs.push({
      round,
      cohort: n,
      trained,
      ...(refused && { aborted: true }),
      seconds: roundSeconds,
      trainingSeconds: training,
    });
    const evalStart = performance.now();
    const due = round % (options.evalEvery ?? 1) === 0 || round === options.rounds;
    let metrics: Metrics | undefined;
    let valid: Metrics | undefined;
    if (due) {
      metrics = (await evaluate(sasrecScorer(encoder), evalCases)).metrics;
      test.push(metrics);
      if (options.validationCases) {
        valid = (await evaluate(sasrecScorer(encoder), options.validationCases)).metrics;
        validation.push(valid);
      }
    }
    checkpoint?.save(
      { round, rng: rand.state, aborted, params, state },
      metrics && { test: metrics, validation: valid },
    );
    options.onRound?.(round, metrics, {
      round: roundSeconds,
      training,
      evaluation: (performance.now() - evalStart) / 1000,
    });
    if (round === options.pauseAfter && round < options.rounds)
      return { test, validation, finished: false, aborted, costs };
  }
  return { test, validation, finished: true, aborted, costs };
}
