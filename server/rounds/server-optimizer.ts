/** Server-side optimizer step on the averaged client delta (Reddi et al. 2021 for FedAdam). */
export interface OptimizerStep {
  params: Float32Array;
  state: Float32Array | null;
}

const BETA1 = 0.9;
const BETA2 = 0.99;

/**
 * FedAvg: params + lr * meanDelta. FedAdam: Adam moments over rounds on meanDelta, with the
 * adaptivity term tau (Adam's epsilon; it caps how far a coordinate with tiny updates moves,
 * which is why it must sit below the typical update size). `state` holds [m, v] for FedAdam
 * and is null for FedAvg.
 */
export function applyServerStep(
  kind: 'fedavg' | 'fedadam',
  lr: number,
  params: Float32Array,
  meanDelta: Float32Array,
  state: Float32Array | null,
  tau = 1e-7,
): OptimizerStep {
  const next = new Float32Array(params.length);
  if (kind === 'fedavg') {
    for (let i = 0; i < params.length; i++) next[i] = params[i]! + lr * meanDelta[i]!;
    return { params: next, state: null };
  }
  const n = params.length;
  const moments = state && state.length === 2 * n ? Float32Array.from(state) : new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const d = meanDelta[i]!;
    const m = (moments[i] = BETA1 * moments[i]! + (1 - BETA1) * d);
    const v = (moments[n + i] = BETA2 * moments[n + i]! + (1 - BETA2) * d * d);
    next[i] = params[i]! + (lr * m) / (Math.sqrt(v) + tau);
  }
  return { params: next, state: moments };
}
