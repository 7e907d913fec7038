/**
 * npm run dp-coordinates -- --model <model.json> --part rows
 * npm run dp-coordinates -- --model <model.json> --data <Beauty.txt> [--fraction 0.02 --users 1024 --clip 10 --seed 1]
 * Chooses what a federation server started with `--dp-coordinates true` federates instead of the
 * whole vector (DP noise spreads over every value sent): `--part rows` names the item rows' block
 * (`dpPart: 'rows'`, where the centralized gain lives, see the model card); otherwise the
 * positions of the federated vector are ranked by the clipped gradients of users from the model's
 * own training data (public to the shop) and the top `fraction` is listed as `dpCoordinates`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { loadInteractions } from '../data/interactions.js';
import { mulberry32, shuffleInPlace } from '../data/rng.js';
import { dpCoordinatesFor } from '../train/dp-coordinates.js';
import { rowsBlock } from '../train/dp-positions.js';
import { loadModelFromDisk } from '../sasrec/load-model-dir.js';
import { parseModelMetadata } from '../sasrec/model-metadata.js';
import { findEncoder } from '../sasrec/sasrec-encoder.js';
import { parseArgs } from './args.js';

const args = parseArgs(process.argv.slice(2), {
  model: 'string',
  data: 'string',
  part: 'string',
  fraction: 'number',
  users: 'number',
  clip: 'number',
  seed: 'number',
});
if (
  typeof args.model !== 'string' ||
  (args.part === undefined && typeof args.data !== 'string') ||
  (args.part !== undefined && args.part !== 'rows')
) {
  console.error(
    'usage: npm run dp-coordinates -- --model <model.json> (--part rows | --data <interactions file> [--fraction 0.02 --users 1024 --clip 10 --seed 1])',
  );
  process.exit(2);
}
const writeMetadata = async (dp: { dpPart: 'rows' } | { dpCoordinates: number[] }) => {
  const json = JSON.parse(await readFile(args.model as string, 'utf8')) as {
    userDefinedMetadata: { pocketrank: Record<string, unknown> };
  };
  const { dpPart: _part, dpCoordinates: _list, ...rest } = json.userDefinedMetadata.pocketrank;
  json.userDefinedMetadata.pocketrank = { ...rest, ...dp };
  await writeFile(args.model as string, JSON.stringify(json));
};
const num = (name: string, fallback: number) => (args[name] as number | undefined) ?? fallback;
if (!(await tf.setBackend('wasm'))) throw new Error('the tfjs WASM backend did not start');
const model = await loadModelFromDisk(args.model);
const encoder = findEncoder(model);
const meta = parseModelMetadata(model.getUserDefinedMetadata());
if (!encoder || typeof meta === 'string')
  throw new Error(`${args.model} is not a pocketrank model${typeof meta === 'string' ? `: ${meta}` : ''}`);
if (args.part === 'rows') {
  if (!meta.federatedRows?.length) throw new Error(`${args.model} federates no item rows`);
  await writeMetadata({ dpPart: 'rows' });
  const values = rowsBlock(encoder, meta.federatedRows).length;
  console.log(`${args.model}: dpPart = rows (${values} values, ${((values * 4) / 1024).toFixed(1)} KB per DP upload)`);
  process.exit(0);
}
const data = await loadInteractions(args.data as string);
if (data.itemIds.length !== meta.itemIds.length)
  throw new Error(
    `${args.data} has ${data.itemIds.length} items; the model has ${meta.itemIds.length}: not its training data`,
  );
// The items each user's model saw in training: all but the held-out validation and test items.
const seed = num('seed', 1);
const sample = shuffleInPlace(
  data.sequences.filter((s) => s.length >= 3).map((s) => s.slice(0, -2)),
  mulberry32(seed),
).slice(0, num('users', 1024));
const coordinates = await dpCoordinatesFor(encoder, sample, {
  fraction: num('fraction', 0.02),
  federatedRows: meta.federatedRows ?? [],
  clip: num('clip', 10),
  seed,
});
await writeMetadata({ dpCoordinates: coordinates });
console.log(
  `${args.model}: dpCoordinates = ${coordinates.length} positions (` +
    `${((coordinates.length * 4) / 1024).toFixed(1)} KB per DP upload), ranked on ${sample.length} training users`,
);
