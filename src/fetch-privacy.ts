import { serverUrl } from '../protocol/server-url.js';
import type { FederationPrivacy } from '../contract/types.js';
import type { PrivacyReport } from '../protocol/responses.js';

/** Asks the federation server what privacy has been spent; only called for opted-in shops. */
export async function fetchPrivacy(server: string): Promise<FederationPrivacy> {
  try {
    const response = await fetch(serverUrl(server, '/v1/privacy'), { signal: AbortSignal.timeout(3_000) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const p = (await response.json()) as PrivacyReport;
    return {
      server,
      epsilon: p.epsilon,
      delta: p.delta,
      budget: p.budget,
      rounds: p.rounds,
      noiseMultiplier: p.noiseMultiplier,
    };
  } catch (error) {
    return {
      server,
      epsilon: null,
      delta: 0,
      budget: null,
      rounds: 0,
      noiseMultiplier: 0,
      error: `privacy report unavailable: ${String(error)}`,
    };
  }
}
