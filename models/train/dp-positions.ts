import type { ModelMetadata } from '../sasrec/model-metadata.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import { federatedPart } from './local-finetune.js';

/**
 * The positions of the federated vector (encoder weights, then the federated rows) that a DP
 * deployment federates, from the model's metadata: the rows' block for `dpPart: 'rows'`, the
 * listed `dpCoordinates`, or undefined (the whole vector). The server, the browser client and
 * the simulation resolve it here so they agree on the vector's layout.
 */
export function dpPositions(
  encoder: SasrecEncoder,
  meta: Pick<ModelMetadata, 'federatedRows' | 'dpCoordinates' | 'dpPart'>,
): number[] | undefined {
  if (meta.dpPart === 'rows') return rowsBlock(encoder, meta.federatedRows ?? []);
  return meta.dpCoordinates;
}

/** Positions of the item rows' block: everything after the encoder's weights. */
export function rowsBlock(encoder: SasrecEncoder, federatedRows: readonly number[]): number[] {
  const encoderSize = federatedPart(encoder).size;
  const size = federatedPart(encoder, federatedRows).size;
  return Array.from({ length: size - encoderSize }, (_, i) => encoderSize + i);
}
