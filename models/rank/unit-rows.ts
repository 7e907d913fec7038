/**
 * Rows of a [rows, dim] matrix scaled to unit length (zero rows stay zero): cosine similarity of
 * two rows is then their dot product.
 */
export function unitRows(table: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(table.length);
  for (let start = 0; start < table.length; start += dim) {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += table[start + j]! * table[start + j]!;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let j = 0; j < dim; j++) out[start + j] = table[start + j]! * scale;
  }
  return out;
}

/** Cosine similarity of rows `a` and `b` of a unitRows() matrix. */
export function cosine(unit: Float32Array, dim: number, a: number, b: number): number {
  let dot = 0;
  for (let j = 0; j < dim; j++) dot += unit[a * dim + j]! * unit[b * dim + j]!;
  return dot;
}
