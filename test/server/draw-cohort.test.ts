import { afterEach, describe, expect, it } from 'vitest';
import { RoundStore } from '../../server/store/round-store.js';
import { SubmissionStore } from '../../server/store/submission-store.js';
import { testDatabase } from './test-database.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('RoundStore.drawCohort', () => {
  it('draws 1,000 of 1,200 candidates as indices 1..1000, each candidate at most once', async () => {
    const database = await testDatabase();
    const store = await RoundStore.open(database.location);
    cleanup = async () => {
      await store.close();
      await database.drop();
    };
    const now = Date.now();
    await store.insertRound({
      ...{ id: 'r1', model_version: 1, phase: 'checkin', threshold: 0, vector_length: 8, min_clients: 2 },
      ...{ max_clients: 1000, clip: 1, noise_multiplier: 0, range: 0, scale: 0, phase_started_at: now },
      ...{ created_at: now, kind: 'model', experiment: null, period: null, arms: null, currency: null },
    });
    const rows = new SubmissionStore(store.db);
    await store.tx(async () => {
      for (let i = 0; i < 1200; i++)
        await rows.insertCandidate('r1', `client-${i}`, `token-${i}`, new Uint8Array([i % 256]));
    });
    await store.tx(() => store.drawCohort('r1', 1000));
    const seats = await store.db.all<{ idx: number; client_id: string }>(
      "SELECT idx, client_id FROM participants WHERE round_id = 'r1' ORDER BY idx",
    );
    expect(seats.map((s) => s.idx)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(new Set(seats.map((s) => s.client_id)).size).toBe(1000);
  }, 60_000);
});
