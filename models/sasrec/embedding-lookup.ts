import * as tf from '@tensorflow/tfjs-core';

/**
 * Row lookup whose gradient is a scatter-add instead of tfjs's default UnsortedSegmentSum,
 * which the WASM backend lacks. ScatterNd sums duplicate indices, which is what an
 * embedding gradient needs when an item appears twice in a batch.
 */
const lookupWithScatterGrad = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [table, ids, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  const flat = tf.reshape(ids, [-1]);
  save([flat]);
  const rows = tf.gather(table, flat);
  const tableShape = table.shape;
  return {
    value: rows,
    gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
      const grad = tf.scatterND(tf.expandDims(saved[0]!, 1), dy as tf.Tensor, tableShape);
      return [grad, tf.zerosLike(ids)];
    },
  };
});

/** Gathers rows of `table` for int32 `ids` of any shape; returns `[...ids.shape, width]`. */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor, trainable: boolean): tf.Tensor {
  const width = table.shape[1];
  const rows = trainable ? lookupWithScatterGrad(table, ids) : tf.gather(table, tf.reshape(ids, [-1]));
  return tf.reshape(rows, [...ids.shape, width]);
}
