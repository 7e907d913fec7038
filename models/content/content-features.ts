/** What the content encoder reads of an item: the catalog's text and attributes. */
export interface ItemContent {
  title?: string;
  brand?: string;
  category?: string | string[];
  attributes?: Record<string, unknown>;
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];

/**
 * The tokens of an item, each tagged by where it came from: title words and adjacent word pairs,
 * brand and category words, and attribute `key=value`s. Nothing is assumed about the category of
 * goods: every field is optional.
 */
export function contentTokens(item: ItemContent): string[] {
  const tokens: string[] = [];
  const title = words(item.title ?? '');
  for (let i = 0; i < title.length; i++) {
    tokens.push(`w:${title[i]}`);
    if (i > 0) tokens.push(`ww:${title[i - 1]} ${title[i]}`);
  }
  if (item.brand) tokens.push(`b:${words(item.brand).join(' ')}`);
  const path = item.category === undefined ? [] : Array.isArray(item.category) ? item.category : [item.category];
  path.forEach((part, depth) => tokens.push(`c${depth}:${words(part).join(' ')}`));
  for (const [key, value] of Object.entries(item.attributes ?? {}))
    for (const v of Array.isArray(value) ? value : [value])
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') tokens.push(`a:${key}=${v}`);
  return tokens;
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A sparse feature vector: `values[i]` at bucket `indices[i]`. */
export interface SparseFeatures {
  indices: Int32Array;
  values: Float32Array;
}

/**
 * Signed feature hashing of the tokens into `buckets` (a token adds +-1 to one bucket, the sign
 * from another part of its hash, so collisions cancel on average), scaled to unit length.
 */
export function hashedFeatures(tokens: readonly string[], buckets: number): SparseFeatures {
  const acc = new Map<number, number>();
  for (const token of tokens) {
    const h = hash(token);
    const bucket = h % buckets;
    const sign = (hash(`${token}#`) & 1) === 0 ? 1 : -1;
    acc.set(bucket, (acc.get(bucket) ?? 0) + sign);
  }
  const entries = [...acc].filter(([, v]) => v !== 0).sort((a, b) => a[0] - b[0]);
  const norm = Math.sqrt(entries.reduce((s, [, v]) => s + v * v, 0)) || 1;
  return {
    indices: Int32Array.from(entries, ([i]) => i),
    values: Float32Array.from(entries, ([, v]) => v / norm),
  };
}
