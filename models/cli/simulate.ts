/**
 * npm run simulate -- --clients N --rounds R --epsilon E [--json f] [--plot f.svg] [--data file]
 *   [--pretrain-epochs 8 --eval-users 3000 --local-steps 5 --local-lr 0.005 --clip 0.5 --seed 1]
 * Pretrains on half of the users (public data), federates the encoder over the other half with
 * each simulated client holding only its own history, through the real server and secure
 * aggregation, and compares NDCG@10 / HR@10 on the federated users' test items: pretrained only,
 * federated without DP, federated with DP at epsilon (delta = 1/N), centralized fine-tuning.
 */
import { writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../data/interactions.js';
import { evalCases, leaveOneOut } from '../data/leave-one-out.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { evaluate } from '../eval/evaluate.js';
import type { Metrics } from '../eval/metrics.js';
import { sasrecScorer } from '../eval/sasrec-scorer.js';
import { centralizedFineTune, noiseForEpsilon, runFederated } from '../federated/simulation.js';
import { ndcgPlotSvg } from '../federated/plot-svg.js';
import { assignFlat, federatedVariables, flattenVariables } from '../train/local-finetune.js';
import { ProgressBar } from '../train/progress-bar.js';
import { DEFAULT_TRAIN, trainSasrec } from '../train/train-sasrec.js';
import { dpFedAvgEpsilon } from '../../server/privacy/rdp-accountant.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  data: 'string', clients: 'number', rounds: 'number', epsilon: 'number', json: 'string', plot: 'string', 'pretrain-epochs': 'number',
  'eval-users': 'number', 'local-steps': 'number', 'local-lr': 'number', clip: 'number', seed: 'number', 'centralized-epochs': 'number',
});
const num = (k: string, d: number) => (args[k] as number | undefined) ?? d;
const [clients, rounds, epsilon] = [num('clients', 20), num('rounds', 10), num('epsilon', 8)];
const seed = num('seed', 1);
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');

const data = await loadInteractions((args.data as string | undefined) ?? '../shared/data/amazon-beauty/Beauty.txt');
const users = shuffleInPlace(data.sequences.map((_, i) => i).filter((i) => data.sequences[i]!.length >= 3), mulberry32(seed));
const half = Math.floor(users.length / 2);
const publicSeqs = users.slice(0, half).map((u) => data.sequences[u]!);
const federated = leaveOneOut(users.slice(half).map((u) => data.sequences[u]!));
// A client trains on everything before its test item; the test items are never trained on.
const clientData = federated.map((s) => [...s.train, s.valid]);
const cases = shuffleInPlace(evalCases(federated, 'test'), mulberry32(seed + 1)).slice(0, num('eval-users', 3000));
console.error(`public users ${publicSeqs.length}, federated users ${federated.length}, evaluated on ${cases.length} federated users' test items`);

const pre = await trainSasrec(publicSeqs, data.itemIds, { ...DEFAULT_TRAIN, epochs: num('pretrain-epochs', 8), refit: false, patience: 3 }, { modelId: 'simulation', modelVersion: '1' });
const encoder = pre.encoder;
const vars = federatedVariables(encoder);
const pretrainedVec = flattenVariables(vars);
const score = async () => (await evaluate(sasrecScorer(encoder), cases)).metrics;
const pretrained = await score();

const delta = 1 / federated.length;
const q = clients / federated.length;
const z = noiseForEpsilon(epsilon, q, rounds, delta);
const runOptions = { clientsPerRound: clients, rounds, clip: num('clip', 0.5), localSteps: num('local-steps', 5), localLearningRate: num('local-lr', 0.005), seed };
const run = async (label: string, noiseMultiplier: number) => {
  assignFlat(vars, pretrainedVec);
  const bar = new ProgressBar(label.padEnd(14), rounds);
  const perRound = await runFederated(encoder, clientData, cases, { ...runOptions, noiseMultiplier, onRound: (r, m) => bar.update(r, `NDCG@10 ${m['NDCG@10']!.toFixed(4)}`) });
  bar.done(`NDCG@10 ${perRound[perRound.length - 1]!['NDCG@10']!.toFixed(4)}`);
  return perRound;
};
const plain = await run('federated', 0);
const private_ = await run(`federated, DP`, z);

assignFlat(vars, pretrainedVec);
await centralizedFineTune(encoder, clientData, num('centralized-epochs', 2), runOptions.localLearningRate, seed);
const centralized = await score();

const last = (xs: Metrics[]) => xs[xs.length - 1]!;
const pick = (m: Metrics) => ({ 'NDCG@10': m['NDCG@10']!, 'HR@10': m['HR@10']! });
const spent = dpFedAvgEpsilon(q, z, rounds, delta);
const result = {
  pretrained: pick(pretrained),
  federated: { ...pick(last(plain)), perRound: plain.map((m) => m['NDCG@10']!) },
  federated_dp: { ...pick(last(private_)), epsilon: spent, delta, noiseMultiplier: z, perRound: private_.map((m) => m['NDCG@10']!) },
  centralized: pick(centralized),
  settings: { clients, population: federated.length, ...runOptions },
};
const gain = centralized['NDCG@10']! - pretrained['NDCG@10']!;
const recovered = (m: Metrics) => (gain > 0 ? ((m['NDCG@10']! - pretrained['NDCG@10']!) / gain) * 100 : NaN);
console.log(`\n${'setting'.padEnd(34)}${'NDCG@10'.padStart(9)}${'HR@10'.padStart(9)}  of the centralized gain`);
const row = (name: string, m: Metrics, share = '') => console.log(`${name.padEnd(34)}${m['NDCG@10']!.toFixed(4).padStart(9)}${m['HR@10']!.toFixed(4).padStart(9)}  ${share}`);
row('pretrained only', pretrained);
row('federated, no DP', last(plain), `${recovered(last(plain)).toFixed(0)}%`);
row(`federated, DP eps ${spent.toFixed(2)} (z ${z.toFixed(2)})`, last(private_), `${recovered(last(private_)).toFixed(0)}%`);
row('centralized fine-tuning', centralized, '100%');
if (args.json) await writeFile(args.json as string, JSON.stringify(result, null, 2));
if (args.plot) {
  await writeFile(
    args.plot as string,
    ndcgPlotSvg(
      [{ name: 'federated', color: '#1f77b4', values: result.federated.perRound }, { name: `federated, DP ε=${spent.toFixed(1)}`, color: '#d62728', values: result.federated_dp.perRound }],
      [{ name: 'pretrained', color: '#888', value: pretrained['NDCG@10']! }, { name: 'centralized', color: '#2ca02c', value: centralized['NDCG@10']! }],
    ),
  );
}
