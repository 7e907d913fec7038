import { describe, expect, it } from 'vitest';
import { lowPassMatrix } from '../../models/sasrec/low-pass-matrix.js';

/** irfft(rfft(x) with bins ≥ `bins` zeroed), by the textbook DFT in complex arithmetic. */
function naiveLowPass(x: number[], bins: number): number[] {
  const n = x.length;
  const re: number[] = [];
  const im: number[] = [];
  for (let k = 0; k < n; k++) {
    // Bin k is kept when it or its mirror n − k is among the lowest `bins`.
    const kept = k < bins || (k > 0 && n - k < bins);
    let r = 0;
    let i = 0;
    for (let t = 0; t < n && kept; t++) {
      r += x[t]! * Math.cos((2 * Math.PI * k * t) / n);
      i -= x[t]! * Math.sin((2 * Math.PI * k * t) / n);
    }
    re.push(r);
    im.push(i);
  }
  return x.map((_, t) => {
    let sum = 0;
    for (let k = 0; k < n; k++)
      sum += re[k]! * Math.cos((2 * Math.PI * k * t) / n) - im[k]! * Math.sin((2 * Math.PI * k * t) / n);
    return sum / n;
  });
}

const apply = (p: Float32Array, x: number[]) =>
  x.map((_, t) => x.reduce((sum, v, s) => sum + p[t * x.length + s]! * v, 0));

describe('lowPassMatrix', () => {
  it('equals the DFT low-pass filter for odd and even lengths', () => {
    for (const [n, bins] of [
      [8, 3],
      [9, 2],
      [50, 3],
      [7, 1],
    ] as const) {
      const x = Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) + (i % 3));
      const want = naiveLowPass(x, bins);
      apply(lowPassMatrix(n, bins), x).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
  });

  it('keeps everything with every bin, the mean with one bin, nothing with none', () => {
    const x = [3, -1, 4, 1, -5, 9];
    apply(lowPassMatrix(6, 4), x).forEach((v, i) => expect(v).toBeCloseTo(x[i]!, 5));
    apply(lowPassMatrix(6, 1), x).forEach((v) => expect(v).toBeCloseTo(11 / 6, 5));
    expect([...lowPassMatrix(6, 0)].every((v) => v === 0)).toBe(true);
  });

  it('refuses more bins than the length has', () => {
    expect(() => lowPassMatrix(6, 5)).toThrow(/bins/);
    expect(() => lowPassMatrix(0, 0)).toThrow(/n ≥ 1/);
  });
});
