import { describe, expect, it } from 'vitest';
import { diversify } from '../../models/rank/diversify.js';
import { cosine, unitRows } from '../../models/rank/unit-rows.js';

// Rows 1-3 point almost the same way, row 4 elsewhere, row 5 opposite (row 0 is padding).
const table = new Float32Array([0, 0, 1, 0, 0.99, 0.1, 0.98, 0.15, 0, 1, -1, 0.05]);
const unit = unitRows(table, 2);

describe('diversify (maximal marginal relevance)', () => {
  it('scales rows to unit length, so the dot product is the cosine', () => {
    expect(cosine(unit, 2, 1, 1)).toBeCloseTo(1, 6);
    expect(cosine(unit, 2, 1, 4)).toBeCloseTo(0, 6);
    expect(cosine(unit, 2, 0, 1)).toBe(0); // a zero row stays zero
  });

  it('keeps the relevance order at diversity 0', () => {
    expect(diversify([1, 2, 3, 4, 5], [5, 4, 3, 2, 1], 3, 0, unit, 2)).toEqual([0, 1, 2]);
  });

  it('replaces near-copies of the first item with different ones as diversity grows', () => {
    const rows = [1, 2, 3, 4, 5];
    const scores = [5, 4.9, 4.8, 3, 1];
    expect(diversify(rows, scores, 3, 0.5, unit, 2).map((i) => rows[i])).toEqual([1, 5, 4]);
    const mild = diversify(rows, scores, 3, 0.35, unit, 2).map((i) => rows[i]);
    expect(mild[0]).toBe(1);
    expect(mild).toContain(4);
  });

  it('returns each candidate at most once, and no more than there are', () => {
    const picked = diversify([1, 2, 3], [3, 2, 1], 10, 0.9, unit, 2);
    expect([...picked].sort()).toEqual([0, 1, 2]);
  });
});

describe('listMetrics', () => {
  it('reports hits, gain, coverage and intra-list distance of the lists as shown', async () => {
    const { listMetrics } = await import('../../models/eval/list-metrics.js');
    const m = listMetrics(
      [
        [1, 2],
        [4, 5],
      ],
      [2, 3],
      unit,
      2,
      5,
    );
    expect(m['HR@10']).toBe(0.5);
    expect(m['NDCG@10']).toBeCloseTo(0.5 / Math.log2(3), 6);
    expect(m['coverage@10']).toBeCloseTo(4 / 5, 6);
    // [1, 2] are near-copies (distance ~0.005), [4, 5] nearly orthogonal (~1): mean ~0.5.
    expect(m['ILD@10']).toBeGreaterThan(0.45);
    expect(m['ILD@10']).toBeLessThan(0.55);
  });
});
