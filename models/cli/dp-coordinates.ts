/**
 * npm run dp-coordinates -- --model <model.json> --data <Beauty.txt> [--fraction 0.02 --users 1024 --clip 10 --seed 1]
 * Ranks the positions of a model's federated vector by the clipped gradients of users from its
 * own training data (public to the shop) and writes the top `fraction` to the model's metadata as
 * `dpCoordinates`, which a federation server started with `--dp-coordinates true` federates
 * instead of the whole vector (see the model card: DP noise spreads over every value sent).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dpCoordinatesFor } from '../federated/dp-coordinates.js';
import { parseArgs } from './args.js';
import { publicModelSample } from './public-model-sample.js';

const args = parseArgs(process.argv.slice(2), { model: 'string', data: 'string', fraction: 'number', users: 'number', clip: 'number', seed: 'number' });
if (typeof args.model !== 'string' || typeof args.data !== 'string') {
  console.error('usage: npm run dp-coordinates -- --model <model.json> --data <interactions file> [--fraction 0.02 --users 1024 --clip 10 --seed 1]');
  process.exit(2);
}
const num = (name: string, fallback: number) => (args[name] as number | undefined) ?? fallback;
const seed = num('seed', 1);
const { encoder, meta, sample } = await publicModelSample(args.model, args.data, num('users', 1024), seed);
const coordinates = await dpCoordinatesFor(encoder, sample, { fraction: num('fraction', 0.02), federatedRows: meta.federatedRows ?? [], clip: num('clip', 10), seed });
const json = JSON.parse(await readFile(args.model, 'utf8')) as { userDefinedMetadata: { pocketrank: Record<string, unknown> } };
json.userDefinedMetadata.pocketrank.dpCoordinates = coordinates;
await writeFile(args.model, JSON.stringify(json));
console.log(`${args.model}: dpCoordinates = ${coordinates.length} positions (${((coordinates.length * 4) / 1024).toFixed(1)} KB per DP upload), ranked on ${sample.length} training users`);
