import * as tf from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { checkSasrecConfig, type SasrecConfig } from './sasrec-config.js';
import { embeddingLookup } from './embedding-lookup.js';
import { lowPassMatrix } from './low-pass-matrix.js';
import { trainMatMul } from './train-matmul.js';

type Shape = (number | null)[];
type Kwargs = { training?: boolean };
type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;

// Large enough to zero a softmax weight, small enough to stay finite in float16 GPU paths.
const MASKED = -1e4;

interface BlockWeights {
  ln1g: LayerVariable;
  ln1b: LayerVariable;
  wq: LayerVariable;
  bq: LayerVariable;
  wk: LayerVariable;
  bk: LayerVariable;
  wv: LayerVariable;
  bv: LayerVariable;
  wo: LayerVariable;
  bo: LayerVariable;
  ln2g: LayerVariable;
  ln2b: LayerVariable;
  w1: LayerVariable;
  b1: LayerVariable;
  w2: LayerVariable;
  b2: LayerVariable;
  /** `[maxLen, heads]` attention bias by query-key distance (relative positions only). */
  rel?: LayerVariable;
  /** `[hidden]` scale of the high-frequency rest (frequency filter only). */
  beta?: LayerVariable;
}

function layerNorm(x: tf.Tensor, gamma: LayerVariable, beta: LayerVariable): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-6))), gamma.read()), beta.read());
}

function dense(x: tf.Tensor, w: LayerVariable, b: LayerVariable, training: boolean): tf.Tensor {
  const [batch, len, width] = x.shape as [number, number, number];
  const flat = tf.reshape(x, [batch * len, width]) as tf.Tensor2D;
  const out = tf.add(
    training ? trainMatMul(flat, w.read() as tf.Tensor2D) : tf.matMul(flat, w.read() as tf.Tensor2D),
    b.read(),
  );
  return tf.reshape(out, [batch, len, w.shape[1]!]);
}

/**
 * SASRec (Kang & McAuley 2018) as one tfjs layer, pre-LayerNorm variant: item embeddings
 * shared with the output, learned positions, causal multi-head self-attention blocks.
 * Input: int32 `[batch, maxLen]` item rows, left-padded with 0. Output: the hidden state
 * after the most recent item, `[batch, hidden]`; an item's score is its dot product with
 * the item table ({@link SasrecEncoder.itemTable}). Training and the browser run this same code.
 */
export class SasrecEncoder extends layers.Layer {
  /** Name under which the class is registered for model.json. */
  static className = 'SasrecEncoder';
  /** The architecture, saved with the model. */
  readonly cfg: SasrecConfig;
  private itemEmb!: LayerVariable;
  private posEmb: LayerVariable | undefined;
  private lnfg!: LayerVariable;
  private lnfb!: LayerVariable;
  private blockWeights: BlockWeights[] = [];
  private causal: Float32Array;
  private lowPass: Float32Array | undefined;
  // Distinct dropout seed per call, so a training run is reproducible from cfg.seed.
  private dropoutCalls = 0;

  /** @param args architecture plus the usual layer arguments (name, trainable). */
  constructor(args: SasrecConfig & LayerArgs) {
    super(args);
    const { vocabSize, maxLen, hidden, blocks, heads, dropout, seed, ffn, positions, lowFrequencies, filterAlpha } =
      args;
    this.cfg = {
      vocabSize,
      maxLen,
      hidden,
      blocks,
      heads,
      dropout,
      seed,
      ...(ffn === undefined ? {} : { ffn }),
      ...(positions === undefined ? {} : { positions }),
      ...(lowFrequencies ? { lowFrequencies, filterAlpha } : {}),
    };
    checkSasrecConfig(this.cfg);
    this.lowPass = this.cfg.lowFrequencies ? lowPassMatrix(maxLen, this.cfg.lowFrequencies) : undefined;
    this.causal = new Float32Array(maxLen * maxLen);
    for (let q = 0; q < maxLen; q++) for (let k = q + 1; k < maxLen; k++) this.causal[q * maxLen + k] = MASKED;
  }

  /**
   * Restarts the dropout stream: training from given weights then draws the same masks whatever
   * this encoder ran before (a simulation that pretrained in-process and one that loaded the
   * cached pretrained weights fine-tune identically).
   */
  restartDropout(): void {
    this.dropoutCalls = 0;
  }

  override build(): void {
    const { vocabSize, maxLen, hidden, blocks, seed } = this.cfg;
    const ffn = this.cfg.ffn ?? hidden;
    let s = seed;
    const normal = (stddev: number) => initializers.truncatedNormal({ stddev, seed: s++ });
    const ones = initializers.ones();
    const zeros = initializers.zeros();
    const matrix = (name: string, rows: number, cols: number) =>
      this.addWeight(name, [rows, cols], 'float32', normal(0.02));
    const vector = (name: string, init: typeof ones) => this.addWeight(name, [hidden], 'float32', init);
    this.itemEmb = matrix('item_embedding', vocabSize, hidden);
    const relative = this.cfg.positions === 'relative';
    this.posEmb = relative ? undefined : matrix('position_embedding', maxLen, hidden);
    this.blockWeights = [];
    for (let b = 0; b < blocks; b++) {
      const p = `block${b}_`;
      this.blockWeights.push({
        ln1g: vector(`${p}ln1_gamma`, ones),
        ln1b: vector(`${p}ln1_beta`, zeros),
        wq: matrix(`${p}wq`, hidden, hidden),
        bq: vector(`${p}bq`, zeros),
        wk: matrix(`${p}wk`, hidden, hidden),
        bk: vector(`${p}bk`, zeros),
        wv: matrix(`${p}wv`, hidden, hidden),
        bv: vector(`${p}bv`, zeros),
        wo: matrix(`${p}wo`, hidden, hidden),
        bo: vector(`${p}bo`, zeros),
        ln2g: vector(`${p}ln2_gamma`, ones),
        ln2b: vector(`${p}ln2_beta`, zeros),
        w1: matrix(`${p}ffn_w1`, hidden, ffn),
        b1: this.addWeight(`${p}ffn_b1`, [ffn], 'float32', zeros),
        w2: matrix(`${p}ffn_w2`, ffn, hidden),
        b2: vector(`${p}ffn_b2`, zeros),
        ...(relative && { rel: this.addWeight(`${p}rel_bias`, [maxLen, this.cfg.heads], 'float32', zeros) }),
        // Starts as the identity (low + 1 · high = the input), so the filter branch begins as a skip.
        ...(this.lowPass && { beta: vector(`${p}filter_beta`, ones) }),
      });
    }
    this.lnfg = vector('final_ln_gamma', ones);
    this.lnfb = vector('final_ln_beta', zeros);
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as Shape;
    return [shape[0] ?? null, this.cfg.hidden];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const ids = tf.cast(Array.isArray(inputs) ? inputs[0]! : inputs, 'int32');
      return this.lastHidden(this.encode(ids, kwargs.training === true));
    });
  }

  /** The shared item table, `[vocabSize, hidden]` (row 0 is padding). Not a copy: do not dispose. */
  itemTable(): tf.Tensor2D {
    return this.itemEmb.read() as tf.Tensor2D;
  }

  /** Hidden state after the newest position of every sequence, `[batch, hidden]`. */
  lastHidden(states: tf.Tensor): tf.Tensor2D {
    const [batch, len, width] = states.shape as [number, number, number];
    return tf.reshape(tf.slice(states, [0, len - 1, 0], [batch, 1, width]), [batch, width]);
  }

  /**
   * Hidden states at every position, `[batch, len, hidden]`; position t has seen items 0..t only.
   * `len` may be shorter than maxLen: the newest `len` positions are used, which is exactly
   * what left-padding to maxLen computes (padding is masked), so training can skip the padding.
   */
  encode(ids: tf.Tensor, training: boolean): tf.Tensor {
    const { maxLen, hidden, heads, dropout, seed } = this.cfg;
    const [batch, len] = ids.shape as [number, number];
    if (len > maxLen) throw new Error(`history length ${len} exceeds maxLen ${maxLen}`);
    const drop = (x: tf.Tensor) =>
      training && dropout > 0 ? tf.dropout(x, dropout, undefined, seed * 7919 + this.dropoutCalls++) : x;
    const mask = tf.expandDims(tf.cast(tf.notEqual(ids, 0), 'float32'), -1);
    let x = tf.mul(embeddingLookup(this.itemTable(), ids, training), Math.sqrt(hidden));
    if (this.posEmb) {
      const positions =
        len === maxLen ? this.posEmb.read() : tf.slice(this.posEmb.read(), [maxLen - len, 0], [len, hidden]);
      x = tf.add(x, positions);
    }
    x = tf.mul(drop(x), mask);
    const keyBias = tf.reshape(tf.mul(tf.sub(1, tf.squeeze(mask, [2])), MASKED), [batch, 1, 1, len]);
    const causal = tf.tensor4d(this.causal, [1, 1, maxLen, maxLen]);
    const bias = tf.add(len === maxLen ? causal : tf.slice(causal, [0, 0, 0, 0], [1, 1, len, len]), keyBias);
    const distances = this.posEmb ? undefined : tf.tensor1d(this.distances(len), 'int32');
    const lowPass = this.lowPass && this.newestBlock(this.lowPass, maxLen, len);
    const headWidth = hidden / heads;
    const split = (t: tf.Tensor) => tf.transpose(tf.reshape(t, [batch, len, heads, headWidth]), [0, 2, 1, 3]);
    for (const w of this.blockWeights) {
      const h = layerNorm(x, w.ln1g, w.ln1b);
      const q = split(dense(h, w.wq, w.bq, training));
      const k = split(dense(h, w.wk, w.bk, training));
      const v = split(dense(h, w.wv, w.bv, training));
      let logits = tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(headWidth)), bias);
      if (w.rel && distances) {
        const byDistance = embeddingLookup(w.rel.read() as tf.Tensor2D, distances, training);
        logits = tf.add(logits, tf.expandDims(tf.transpose(tf.reshape(byDistance, [len, len, heads]), [2, 0, 1]), 0));
      }
      const attended = tf.matMul(drop(tf.softmax(logits)), v);
      const merged = tf.reshape(tf.transpose(attended, [0, 2, 1, 3]), [batch, len, hidden]);
      let mixed = dense(merged, w.wo, w.bo, training);
      if (w.beta && lowPass) {
        const alpha = this.cfg.filterAlpha!;
        const filtered = this.frequencyFilter(tf.mul(h, mask), lowPass, w.beta, training);
        mixed = tf.add(tf.mul(filtered, alpha), tf.mul(mixed, 1 - alpha));
      }
      x = tf.add(x, drop(mixed));
      const f = dense(tf.relu(dense(layerNorm(x, w.ln2g, w.ln2b), w.w1, w.b1, training)), w.w2, w.b2, training);
      x = tf.mul(tf.add(x, drop(f)), mask);
    }
    return layerNorm(x, this.lnfg, this.lnfb);
  }

  /**
   * BSARec's filter on `[batch, len, hidden]` states whose padding rows are zero: low + β · (h − low)
   * with low = P · h over time (P the newest `len` rows and columns of the low-pass matrix).
   */
  private frequencyFilter(h: tf.Tensor, lowPass: tf.Tensor2D, beta: LayerVariable, training: boolean): tf.Tensor {
    const [batch, len, width] = h.shape as [number, number, number];
    const byTime = tf.reshape(tf.transpose(h, [1, 0, 2]), [len, batch * width]) as tf.Tensor2D;
    const product = training ? trainMatMul(lowPass, byTime) : tf.matMul(lowPass, byTime);
    const low = tf.transpose(tf.reshape(product, [len, batch, width]), [1, 0, 2]);
    return tf.add(low, tf.mul(tf.sub(h, low), beta.read()));
  }

  /** The newest `len` rows and columns of a row-major `n × n` matrix, as a tensor. */
  private newestBlock(matrix: Float32Array, n: number, len: number): tf.Tensor2D {
    const full = tf.tensor2d(matrix, [n, n]);
    return len === n ? full : tf.slice(full, [n - len, n - len], [len, len]);
  }

  /** Query-key distance of every pair of the newest `len` positions, row-major (0 above the diagonal, which is masked). */
  private distances(len: number): Int32Array {
    const out = new Int32Array(len * len);
    for (let q = 0; q < len; q++) for (let k = 0; k <= q; k++) out[q * len + k] = q - k;
    return out;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), ...this.cfg };
  }
}

tf.serialization.registerClass(SasrecEncoder);

/** The SasrecEncoder layer of a loaded model, if it has one. */
export function findEncoder(model: { layers: readonly unknown[] }): SasrecEncoder | undefined {
  return model.layers.find((layer): layer is SasrecEncoder => layer instanceof SasrecEncoder);
}
