/** Hyper-parameters of the SASRec-style encoder; they travel inside model.json. */
export interface SasrecConfig {
  /** Rows of the item table: catalog size + 1 (row 0 is padding). */
  vocabSize: number;
  /** History length the model reads (older events are dropped, shorter histories left-padded). */
  maxLen: number;
  /** Width of item embeddings and hidden states. */
  hidden: number;
  /** Causal self-attention blocks. */
  blocks: number;
  /** Attention heads per block; must divide `hidden`. */
  heads: number;
  /** Dropout rate used while training. */
  dropout: number;
  /**
   * Inner width of each block's feed-forward layer; absent means `hidden` (what models trained
   * before it existed have, so their model.json still loads).
   */
  ffn?: number;
  /**
   * How the encoder knows order: `absolute`, a learned embedding per position of the window
   * (absent means this, as models trained before the option have); `relative`, a learned
   * attention bias per head and distance between query and key, so a prediction from the middle
   * of a history is made exactly as one from its end (what serving asks).
   */
  positions?: 'absolute' | 'relative';
  /**
   * BSARec's frequency filter beside attention (Shin et al. 2024): each block also passes its
   * input through a low-pass filter over the window (the lowest `lowFrequencies` bins of a DFT
   * of length maxLen), rescales the high-frequency rest by a learned per-dimension β, and mixes
   * that with attention's output as `filterAlpha · filter + (1 − filterAlpha) · attention`.
   * Absent or 0: off. The filter sees the whole window, so only the newest position's state is
   * causal: train such a model on prefixes, never on every position.
   */
  lowFrequencies?: number;
  /** Weight of the frequency filter against attention, in (0, 1); used when `lowFrequencies` is set. */
  filterAlpha?: number;
  /** Seed for weight initialization. */
  seed: number;
}

/** Defaults used for the shipped Beauty model. */
export const DEFAULT_SASREC: Omit<SasrecConfig, 'vocabSize'> = {
  maxLen: 50,
  hidden: 64,
  blocks: 2,
  heads: 2,
  dropout: 0.3,
  lowFrequencies: 3,
  filterAlpha: 0.7,
  seed: 42,
};

/** Throws a descriptive Error when the config cannot describe a valid model. */
export function checkSasrecConfig(cfg: SasrecConfig): void {
  const ints = ['vocabSize', 'maxLen', 'hidden', 'blocks', 'heads'] as const;
  for (const key of ints) {
    const value = cfg[key];
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`SasrecConfig.${key} must be a positive integer; got ${String(value)}`);
  }
  if (cfg.vocabSize < 2) throw new Error('SasrecConfig.vocabSize must leave room for padding and at least one item');
  if (cfg.ffn !== undefined && !(Number.isInteger(cfg.ffn) && cfg.ffn >= 1))
    throw new Error(`SasrecConfig.ffn must be a positive integer; got ${String(cfg.ffn)}`);
  if (cfg.positions !== undefined && cfg.positions !== 'absolute' && cfg.positions !== 'relative')
    throw new Error(`SasrecConfig.positions must be "absolute" or "relative"; got ${String(cfg.positions)}`);
  if (cfg.lowFrequencies !== undefined && !(Number.isInteger(cfg.lowFrequencies) && cfg.lowFrequencies >= 0))
    throw new Error(`SasrecConfig.lowFrequencies must be a non-negative integer; got ${String(cfg.lowFrequencies)}`);
  if (cfg.lowFrequencies && cfg.lowFrequencies > Math.floor(cfg.maxLen / 2) + 1)
    throw new Error(
      `SasrecConfig.lowFrequencies (${cfg.lowFrequencies}) exceeds the ${Math.floor(cfg.maxLen / 2) + 1} bins of maxLen`,
    );
  if (cfg.lowFrequencies && !(cfg.filterAlpha !== undefined && cfg.filterAlpha > 0 && cfg.filterAlpha < 1))
    throw new Error(
      `SasrecConfig.filterAlpha must be in (0, 1) with a frequency filter; got ${String(cfg.filterAlpha)}`,
    );
  if (cfg.hidden % cfg.heads !== 0)
    throw new Error(`SasrecConfig.heads (${cfg.heads}) must divide hidden (${cfg.hidden})`);
  if (!(cfg.dropout >= 0 && cfg.dropout < 1)) throw new Error('SasrecConfig.dropout must be in [0, 1)');
}
