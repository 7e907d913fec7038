/**
 * npm run dp-subspace -- --model <model.json> --data <interactions file> --out <basis.f32>
 *   [--rank 16 --users 1024 --clip 10 --weight-examples 0 --seed 1]
 * Finds the top `rank` principal directions of the contributions that users from the model's own
 * training data (public to the shop) would send, clipped and weighted as the server will ask,
 * and writes them as raw float32 (rank x vector length). A DP federation server started with
 * `--dp-subspace <basis.f32>` projects each round's noised mean onto them, which keeps most of
 * the signal and drops all but rank / length of the noise (see the model card).
 */
import { writeFile } from 'node:fs/promises';
import { publicSubspaceBasis } from '../federated/public-subspace-basis.js';
import { federatedPart } from '../train/local-finetune.js';
import { publicSubspace } from '../../server/rounds/public-subspace.js';
import { parseArgs } from './args.js';
import { publicModelSample } from './public-model-sample.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', data: 'string', out: 'string', rank: 'number', users: 'number', clip: 'number', 'weight-examples': 'number', seed: 'number' });
if (typeof args.model !== 'string' || typeof args.data !== 'string' || typeof args.out !== 'string') {
  console.error('usage: npm run dp-subspace -- --model <model.json> --data <interactions file> --out <basis.f32> [--rank 16 --users 1024 --clip 10 --weight-examples 0 --seed 1]');
  process.exit(2);
}
const num = (name: string, fallback: number) => (args[name] as number | undefined) ?? fallback;
const seed = num('seed', 1);
const { encoder, meta, sample } = await publicModelSample(args.model, args.data, num('users', 1024), seed);
const weightExamples = num('weight-examples', 0);
const federatedRows = meta.federatedRows ?? [];
const basis = await publicSubspaceBasis(encoder, sample, { rank: num('rank', 16), federatedRows, clip: num('clip', 10), weighting: weightExamples > 0 ? { examples: weightExamples, cap: 1 } : undefined, seed });
// The server reads it back with the same check.
const subspace = publicSubspace(basis, federatedPart(encoder, federatedRows).size);
await writeFile(args.out, new Uint8Array(basis.buffer, basis.byteOffset, basis.byteLength));
console.log(`${args.out}: rank-${subspace.rank} public subspace of the ${subspace.length}-value federated vector (${((basis.byteLength / 1024 / 1024)).toFixed(1)} MB), from ${sample.length} training users`);
