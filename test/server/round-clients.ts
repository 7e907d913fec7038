import { expect } from 'vitest';
import { createIdentity } from '../../protocol/secagg/signed-keys.js';
import { runRound, type RoundRunnerOptions } from '../../worker/federated/round-runner.js';

/** Node clients `indices` in one round at `url`, client i sending `updateOf(i)`; `drop(i)` leaves early. */
export function runClients(
  url: string,
  indices: readonly number[],
  updateOf: (i: number) => Float32Array,
  options: { timeoutMs: number; drop?: (i: number) => RoundRunnerOptions['dropAfter'] },
) {
  return Promise.all(
    indices.map(async (i) => {
      const dropAfter = options.drop?.(i);
      const outcome = await runRound({
        server: url,
        clientId: crypto.randomUUID(),
        identity: await createIdentity(),
        update: () => updateOf(i),
        pollMs: 50,
        timeoutMs: options.timeoutMs,
        ...(dropAfter && { dropAfter }),
      });
      return { ...outcome, i };
    }),
  );
}

/** The server's latest model version and its parameters. */
export async function latestModel(url: string): Promise<{ version: number; params: Float32Array }> {
  const { version } = (await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number };
  return { version, params: new Float32Array(await (await fetch(`${url}/v1/models/${version}`)).arrayBuffer()) };
}

/** Expects `params` to be the mean of `members`' updates, coordinate by coordinate, within `tolerance`. */
export function expectMean(
  params: Float32Array,
  members: readonly number[],
  updateOf: (i: number) => Float32Array,
  tolerance: number,
): void {
  const updates = members.map(updateOf);
  for (let j = 0; j < params.length; j++) {
    const mean = updates.reduce((s, u) => s + u[j]!, 0) / members.length;
    expect(Math.abs(params[j]! - mean)).toBeLessThan(tolerance);
  }
}
