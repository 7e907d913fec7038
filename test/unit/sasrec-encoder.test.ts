import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { buildSasrec } from '../../models/sasrec/build-sasrec.js';
import { embeddingLookup } from '../../models/sasrec/embedding-lookup.js';
import { loadModelFromDisk } from '../../models/sasrec/load-model-dir.js';
import { parseModelMetadata } from '../../models/sasrec/model-metadata.js';
import { saveLayersModel } from '../../models/sasrec/save-layers-model.js';
import { SasrecEncoder } from '../../models/sasrec/sasrec-encoder.js';
import { sasrecScorer } from '../../models/eval/sasrec-scorer.js';

const cfg = { vocabSize: 21, maxLen: 8, hidden: 16, blocks: 2, heads: 2, dropout: 0.1, seed: 3 };
const itemIds = Array.from({ length: 20 }, (_, i) => `item-${i + 1}`);

/** Saves `model` to a fresh folder and loads it back, checking the reloaded model predicts exactly as it did. */
async function reloadedSame(
  model: LayersModel,
): Promise<{ reloaded: LayersModel; modelJson: string; encoder: SasrecEncoder }> {
  const { modelJson } = await saveLayersModel(model, await mkdtemp(join(tmpdir(), 'pocketrank-')));
  const reloaded = await loadModelFromDisk(modelJson);
  const x = tf.tensor2d([[0, 0, 1, 2, 3, 4, 5, 6]], [1, 8], 'int32');
  expect((reloaded.predict(x) as tf.Tensor).arraySync()).toEqual((model.predict(x) as tf.Tensor).arraySync());
  return { reloaded, modelJson, encoder: reloaded.layers.find((l) => l instanceof SasrecEncoder) as SasrecEncoder };
}

describe('SasrecEncoder (tfjs WASM backend in Node)', () => {
  beforeAll(async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
  });

  it('is causal: a later item never changes earlier hidden states', () => {
    const { encoder } = buildSasrec(cfg, { modelId: 't', modelVersion: '1', itemIds });
    const a = encoder.encode(tf.tensor2d([[0, 0, 0, 4, 5, 6, 7, 8]], [1, 8], 'int32'), false);
    const b = encoder.encode(tf.tensor2d([[0, 0, 0, 4, 5, 6, 7, 19]], [1, 8], 'int32'), false);
    const early = (t: tf.Tensor) => tf.slice(t, [0, 0, 0], [1, 7, 16]).arraySync();
    expect(early(a)).toEqual(early(b));
    const last = (t: tf.Tensor) => tf.slice(t, [0, 7, 0], [1, 1, 16]).dataSync();
    expect(Array.from(last(a))).not.toEqual(Array.from(last(b)));
  });

  it('draws the same dropout masks after restartDropout, whatever ran before', () => {
    const ids = tf.tensor2d([[0, 0, 3, 4, 5, 6, 7, 8]], [1, 8], 'int32');
    const { encoder } = buildSasrec(cfg, { modelId: 't', modelVersion: '1', itemIds });
    const first = encoder.encode(ids, true).dataSync();
    const later = encoder.encode(ids, true).dataSync();
    expect(Array.from(later)).not.toEqual(Array.from(first));
    encoder.restartDropout();
    expect(Array.from(encoder.encode(ids, true).dataSync())).toEqual(Array.from(first));
  });

  it('ignores padding: more leading zeros give the same answer', () => {
    const { model } = buildSasrec({ ...cfg, maxLen: 8 }, { modelId: 't', modelVersion: '1', itemIds });
    const out = model.predict(
      tf.tensor2d(
        [
          [0, 0, 0, 0, 0, 3, 9, 2],
          [0, 0, 0, 0, 0, 3, 9, 2],
        ],
        [2, 8],
        'int32',
      ),
    ) as tf.Tensor;
    const rows = out.arraySync() as number[][];
    expect(rows[0]).toEqual(rows[1]);
  });

  it('accumulates the embedding gradient over repeated ids (scatter, not UnsortedSegmentSum)', () => {
    const table = tf.variable(tf.ones([4, 2]));
    const grad = tf.grad((t) =>
      tf.sum(
        embeddingLookup(
          t as tf.Tensor2D,
          tf.tensor2d(
            [
              [1, 1],
              [3, 0],
            ],
            [2, 2],
            'int32',
          ),
          true,
        ),
      ),
    )(table);
    expect(grad.arraySync()).toEqual([
      [1, 1],
      [2, 2],
      [0, 0],
      [1, 1],
    ]);
  });

  it('saves to tfjs layers format and reloads with identical outputs and metadata', async () => {
    const { model } = buildSasrec(cfg, { modelId: 'roundtrip', modelVersion: '7', itemIds });
    const { reloaded, modelJson, encoder } = await reloadedSame(model);
    const json = JSON.parse(await readFile(modelJson, 'utf8'));
    expect(json.format).toBe('layers-model');
    // The ids go beside model.json, which names them by reference; loading reads them back.
    expect(json.userDefinedMetadata.pocketrank.itemIds).toBeUndefined();
    expect(json.userDefinedMetadata.pocketrank.itemIdList).toMatchObject({
      file: 'item-ids.json',
      count: itemIds.length,
    });
    expect(parseModelMetadata(json.userDefinedMetadata)).toMatch(/item-ids\.json/);
    expect(encoder).toBeInstanceOf(SasrecEncoder);
    const meta = parseModelMetadata(reloaded.getUserDefinedMetadata());
    expect(meta).toMatchObject({ contract: 1, modelId: 'roundtrip', modelVersion: '7', itemIds });
  });

  it('takes a feed-forward width of its own, saved in model.json; a config without one keeps the hidden width', async () => {
    const wide = buildSasrec({ ...cfg, ffn: 64 }, { modelId: 'wide', modelVersion: '1', itemIds });
    const w1 = wide.encoder.weights.find((w) => /block0_ffn_w1/.test(w.name))!;
    expect(w1.shape).toEqual([16, 64]);
    expect((await reloadedSame(wide.model)).encoder.cfg.ffn).toBe(64);
    const narrow = buildSasrec(cfg, { modelId: 'narrow', modelVersion: '1', itemIds });
    expect(narrow.encoder.weights.find((w) => /block0_ffn_w1/.test(w.name))!.shape).toEqual([16, 16]);
    expect(narrow.encoder.getConfig()).not.toHaveProperty('ffn');
    expect(() => buildSasrec({ ...cfg, ffn: 0 }, { modelId: 't', modelVersion: '1', itemIds })).toThrow(/ffn/);
  });

  it('with relative positions, predicts from a history exactly as from the same items further right in a longer one', async () => {
    const { encoder, model } = buildSasrec(
      { ...cfg, positions: 'relative' },
      { modelId: 'rel', modelVersion: '1', itemIds },
    );
    expect(encoder.weights.some((w) => /position_embedding/.test(w.name))).toBe(false);
    // Train the bias a little so it is not all zeros.
    for (const w of encoder.weights.filter((w) => /rel_bias/.test(w.name)))
      w.write(tf.randomNormal(w.shape as number[], 0, 1, 'float32', 5));
    // Translation-invariant: the state after [1, 2, 3] is the same wherever the three sit in the window.
    const states = encoder.encode(
      tf.tensor2d(
        [
          [0, 0, 0, 0, 0, 1, 2, 3],
          [0, 0, 1, 2, 3, 7, 8, 9],
        ],
        [2, 8],
        'int32',
      ),
      false,
    );
    const a = tf.slice(states, [0, 7, 0], [1, 1, 16]).dataSync();
    const b = tf.slice(states, [1, 4, 0], [1, 1, 16]).dataSync();
    a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
    // Saved and reloaded, it keeps its kind of positions and its outputs.
    expect((await reloadedSame(model)).encoder.cfg.positions).toBe('relative');
  });

  it('with a frequency filter, predicts from a trimmed history as from the padded one, and reloads as it was', async () => {
    const filtered = { ...cfg, lowFrequencies: 2, filterAlpha: 0.7 };
    const { encoder, model } = buildSasrec(filtered, { modelId: 'bsa', modelVersion: '1', itemIds });
    for (const w of encoder.weights.filter((w) => /filter_beta/.test(w.name)))
      w.write(tf.randomNormal(w.shape as number[], 1, 0.5, 'float32', 9));
    const full = encoder.lastHidden(encoder.encode(tf.tensor2d([[0, 0, 0, 0, 0, 7, 3, 9]], [1, 8], 'int32'), false));
    const short = encoder.lastHidden(encoder.encode(tf.tensor2d([[0, 7, 3, 9]], [1, 4], 'int32'), false));
    expect(tf.max(tf.abs(tf.sub(full, short))).dataSync()[0]!).toBeLessThan(1e-5);
    // The filter changes the state: the same weights without it read differently.
    const plain = buildSasrec(cfg, { modelId: 'plain', modelVersion: '1', itemIds });
    plain.model.setWeights(model.getWeights().filter((_, i) => !/filter_beta/.test(encoder.weights[i]!.name)));
    const unfiltered = plain.encoder.lastHidden(
      plain.encoder.encode(tf.tensor2d([[0, 0, 0, 0, 0, 7, 3, 9]], [1, 8], 'int32'), false),
    );
    expect(tf.max(tf.abs(tf.sub(full, unfiltered))).dataSync()[0]!).toBeGreaterThan(1e-3);
    const { encoder: reloaded } = await reloadedSame(model);
    expect(reloaded.cfg).toMatchObject({ lowFrequencies: 2, filterAlpha: 0.7 });
    expect(() => buildSasrec({ ...filtered, filterAlpha: 1 }, { modelId: 't', modelVersion: '1', itemIds })).toThrow(
      /filterAlpha/,
    );
    expect(() => buildSasrec({ ...filtered, lowFrequencies: 6 }, { modelId: 't', modelVersion: '1', itemIds })).toThrow(
      /lowFrequencies/,
    );
  });

  it('refuses impossible configurations and mismatched vocabularies', () => {
    expect(() => buildSasrec({ ...cfg, heads: 3 }, { modelId: 't', modelVersion: '1', itemIds })).toThrow(/heads/);
    expect(() => buildSasrec(cfg, { modelId: 't', modelVersion: '1', itemIds: itemIds.slice(1) })).toThrow(/itemIds/);
    expect(parseModelMetadata({})).toMatch(/no userDefinedMetadata/);
    const base = { contract: 1, modelId: 't', modelVersion: '1', itemIds: ['a', 'b'], federatedRows: [1, 2] };
    expect(parseModelMetadata({ pocketrank: { ...base, dpPart: 'rows' } })).toMatchObject({ dpPart: 'rows' });
    expect(parseModelMetadata({ pocketrank: { ...base, dpPart: 'encoder' } })).toMatch(/dpPart must be "rows"/);
    expect(parseModelMetadata({ pocketrank: { ...base, dpPart: 'rows', dpCoordinates: [0, 1] } })).toMatch(
      /both dpPart and dpCoordinates/,
    );
    expect(parseModelMetadata({ pocketrank: { ...base, federatedRows: [], dpPart: 'rows' } })).toMatch(
      /needs federatedRows/,
    );
  });
});

describe('SasrecEncoder on trimmed histories', () => {
  it('gives the same last state for a history padded to its own length or to maxLen', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const { encoder } = buildSasrec(cfg, { modelId: 't', modelVersion: '1', itemIds });
    const full = encoder.lastHidden(encoder.encode(tf.tensor2d([[0, 0, 0, 0, 0, 7, 3, 9]], [1, 8], 'int32'), false));
    const short = encoder.lastHidden(encoder.encode(tf.tensor2d([[0, 7, 3, 9]], [1, 4], 'int32'), false));
    const diff = tf.max(tf.abs(tf.sub(full, short))).dataSync()[0]!;
    expect(diff).toBeLessThan(1e-5);
  });
});

describe('sasrecScorer', () => {
  it('scores each history in a mixed-length batch exactly as it scores it alone', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const { encoder } = buildSasrec(cfg, { modelId: 't', modelVersion: '1', itemIds });
    const scorer = sasrecScorer(encoder);
    const cases = [[3], [4, 5, 6, 7, 8, 9, 10, 11, 12, 13], [7, 2, 9]].map((history) => ({
      user: 0,
      history,
      target: 1,
    }));
    const together = await scorer.scoreBatch(cases);
    for (const [i, c] of cases.entries()) {
      const [alone] = await scorer.scoreBatch([c]);
      const gap = Math.max(...Array.from(alone!, (v, j) => Math.abs(v - together[i]![j]!)));
      expect(gap).toBeLessThan(1e-4);
    }
  });
});
