import { describe, expect, it } from 'vitest';
import { parseInteractionCsv, parseSequenceFile } from '../../models/data/interactions.js';
import { evalCases, leaveOneOut } from '../../models/data/leave-one-out.js';
import { makeBatches, nextItemExamples, prefixExamples } from '../../models/train/batches.js';
import { mulberry32 } from '../../models/data/rng.js';
import { metricsFromRanks, rankOfTarget, topRows } from '../../models/eval/metrics.js';
import { toFloat16Bits } from '../../models/sasrec/float16.js';

describe('interaction formats', () => {
  it('reads the Beauty format keeping numeric ids in numeric order', () => {
    const data = parseSequenceFile('1 10 2 3\n2 3 10\n');
    expect(data.itemIds).toEqual(['2', '3', '10']);
    expect(data.sequences).toEqual([
      [3, 1, 2],
      [2, 3],
    ]);
    expect(data.users).toEqual(['1', '2']);
  });

  it('reads a CSV export, ordering each user by time (ties keep file order), any column order', () => {
    const csv =
      'timestamp,item_id,user_id,event_type\n2024-01-02T00:00:00Z,b,u1,view\n1704067200,a,u1,purchase\n1704067200,c,u2,view\n1704067200,d,u2,view\n';
    const data = parseInteractionCsv(csv);
    expect(data.users).toEqual(['u1', 'u2']);
    expect(data.sequences.map((s) => s.map((r) => data.itemIds[r - 1]))).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('rejects CSVs without the required columns or with bad timestamps', () => {
    expect(() => parseInteractionCsv('user,item\n1,2\n')).toThrow(/user_id, item_id and timestamp/);
    expect(() => parseInteractionCsv('user_id,item_id,timestamp\nu,i,yesterday\n')).toThrow(/unreadable timestamp/);
  });
});

describe('leave-one-out split', () => {
  it('holds out the last two items and skips users with fewer than three', () => {
    const splits = leaveOneOut([
      [1, 2, 3, 4],
      [5, 6],
    ]);
    expect(splits).toEqual([{ user: 0, train: [1, 2], valid: 3, test: 4 }]);
    expect(evalCases(splits, 'valid')).toEqual([{ user: 0, history: [1, 2], target: 3 }]);
    expect(evalCases(splits, 'test')).toEqual([{ user: 0, history: [1, 2, 3], target: 4 }]);
  });
});

describe('training batches', () => {
  it('shifts targets by one and pads each batch to its own longest sequence', () => {
    const examples = nextItemExamples([[1, 2, 3], [4, 5], [6]], 50);
    expect(examples).toEqual([
      { input: [1, 2], target: [2, 3] },
      { input: [4], target: [5] },
    ]);
    const batches = makeBatches(examples, 2, mulberry32(1));
    expect(batches).toHaveLength(1);
    const b = batches[0]!;
    expect(b.len).toBe(2);
    const rows = [0, 1].map((i) => [...b.inputs.slice(i * 2, i * 2 + 2)]);
    expect(rows).toContainEqual([1, 2]);
    expect(rows).toContainEqual([0, 4]);
  });

  it('makes one example per prefix, scored at its end only, newest maxLen items in', () => {
    expect(prefixExamples([[1, 2, 3], [6]], 50)).toEqual([
      { input: [1], target: [2] },
      { input: [1, 2], target: [0, 3] },
    ]);
    expect(prefixExamples([[1, 2, 3, 4]], 2).at(-1)).toEqual({ input: [2, 3], target: [0, 4] });
  });
});

describe('ranking metrics', () => {
  it('ranks against all non-excluded items, ties counting against the target', () => {
    const scores = Float32Array.from([99, 0.5, 0.9, 0.5, 0.1]);
    expect(rankOfTarget(scores, 1, new Set())).toBe(2); // row 2 is higher, row 3 ties
    expect(rankOfTarget(scores, 1, new Set([2, 3]))).toBe(0);
    expect(topRows(scores, 2, new Set([2]))).toEqual([1, 3]);
  });

  it('computes HR and NDCG from ranks', () => {
    const m = metricsFromRanks([0, 1, 9, 10]);
    expect(m['HR@10']).toBeCloseTo(0.75);
    expect(m['NDCG@10']).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(11)) / 4);
    expect(m['HR@5']).toBeCloseTo(0.5);
  });
});

describe('float16 weights', () => {
  it('rounds to the nearest half-precision value', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(1e6)).toBe(0x7c00);
    expect(toFloat16Bits(5.960464477539063e-8)).toBe(0x0001);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(Number.NaN) & 0x7c00).toBe(0x7c00);
  });
});
