import { afterEach, describe, expect, it } from 'vitest';
import {
  COUNT_FIELDS,
  type CounterLayout,
  counterVector,
  type DeviceCounts,
} from '../../protocol/analytics/counter-vector.js';
import type { ExperimentReport } from '../../protocol/responses.js';
import { createIdentity, type Identity } from '../../protocol/secagg/signed-keys.js';
import { RoundHttpError } from '../../worker/federated/round-http.js';
import { runRound } from '../../worker/federated/round-runner.js';
import { keepInserts } from './keep-inserts.js';
import { startTestServer } from './start-test-server.js';

const ARMS = ['control', 'personal'];
const TODAY = Math.floor(Date.now() / 86_400_000);
let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

/** Device i's counts: recognisable, and every fourth one converts. */
const countsOf = (i: number): DeviceCounts => ({
  impressions: 10 + i,
  clicks: i % 3,
  addToCarts: i % 2,
  purchases: i % 4 === 0 ? 1 : 0,
  allPurchases: i % 4 === 0 ? 2 : 0,
});
const armOf = (i: number) => ARMS[i % 2]!;

interface Device {
  clientId: string;
  identity: Identity;
}
const newDevice = async (): Promise<Device> => ({ clientId: crypto.randomUUID(), identity: await createIdentity() });

/** Device i reports experiment homepage's `period` through a whole analytics round. */
const report = (
  url: string,
  device: Device,
  i: number,
  period = TODAY - 1,
  layout: CounterLayout = { arms: ARMS },
  counts = countsOf(i),
) =>
  runRound({
    server: url,
    ...device,
    analytics: {
      experiment: 'homepage',
      period,
      arms: [...layout.arms],
      ...(layout.currency && { currency: layout.currency }),
      vector: counterVector(layout, armOf(i), counts),
    },
    pollMs: 50,
    timeoutMs: 60_000,
  });

/** A bare check-in (nothing after it), as the device's first request of a round. */
const checkIn = (url: string, device: Device, analytics: unknown) =>
  fetch(`${url}/v1/checkin`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      clientId: device.clientId,
      identityKey: Buffer.from(device.identity.publicKey).toString('base64'),
      analytics,
    }),
  });

async function experiment(url: string, id = 'homepage'): Promise<ExperimentReport> {
  const response = await fetch(`${url}/v1/experiments/${id}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ExperimentReport;
}

/** The true totals of devices `members` (counts, per arm). */
function truth(members: number[]) {
  const totals = Object.fromEntries(ARMS.map((a) => [a, Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0]))]));
  for (const i of members) {
    const c = countsOf(i);
    const t = totals[armOf(i)]!;
    t.devices! += 1;
    t.converted! += c.purchases > 0 ? 1 : 0;
    for (const f of ['impressions', 'clicks', 'addToCarts', 'purchases', 'allPurchases'] as const) t[f]! += c[f];
  }
  return totals;
}

describe('analytics rounds: experiment counters through secure aggregation with discrete noise', () => {
  it('publishes per-arm totals of 8 devices within the noise at epsilon 1, and spends epsilon 1', async () => {
    const server = await startTestServer({ minClients: 8, analyticsMaxClients: 8, phaseDeadlineMs: 10_000 });
    stop = server.stop;
    const db = server.store.db;
    await keepInserts(db, 'masked_inputs', ['vector']);
    const devices = await Promise.all(Array.from({ length: 8 }, newDevice));
    const outcomes = await Promise.all(devices.map((d, i) => report(server.url, d, i)));
    expect(outcomes.map((o) => o.phase)).toEqual(Array(8).fill('done'));
    expect(outcomes[0]!.uploadedBytes).toBe(ARMS.length * COUNT_FIELDS.length * 4);

    const published = await experiment(server.url);
    expect(published.arms).toEqual(ARMS);
    expect(published.devices).toBe(8);
    expect(published.periods.map((p) => p.period)).toEqual([TODAY - 1]);
    expect(published.privacy.epsilonPerPeriod).toBeGreaterThan(0.99);
    expect(published.privacy.epsilonPerPeriod).toBeLessThanOrEqual(1);
    const expected = truth([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const arm of ARMS)
      for (const f of COUNT_FIELDS) {
        const error = Math.abs(published.totals[arm]!.totals[f] - expected[arm]![f]!);
        // The noise is real (its sd in counts is reported) and no larger than it says.
        expect(error).toBeLessThan(6 * published.noiseSd[f]!);
      }
    expect(published.noiseSd.converted).toBeGreaterThan(2);
    // No stored upload resembles a counter vector: every one is masked.
    const seen = await db.all<{ vector: Buffer }>('SELECT vector FROM seen_masked_inputs');
    expect(seen).toHaveLength(8);
    for (const { vector } of seen) {
      const values = new Int32Array(new Uint8Array(vector).buffer);
      expect(Math.max(...Array.from(values, Math.abs))).toBeGreaterThan(2 ** 24);
    }
    // Analytics rounds leave the model and DP-FedAvg's accounting alone.
    expect((await server.store.latestModel())!.version).toBe(1);
    expect(((await (await fetch(`${server.url}/v1/privacy`)).json()) as { rounds: number }).rounds).toBe(0);
  }, 60_000);

  it('publishes exact totals when the budget makes the noise negligible; a device reports a period once', async () => {
    const server = await startTestServer({
      minClients: 4,
      analyticsMaxClients: 4,
      phaseDeadlineMs: 10_000,
      analyticsEpsilon: 1000,
    });
    stop = server.stop;
    const devices = await Promise.all(Array.from({ length: 4 }, newDevice));
    await Promise.all(devices.map((d, i) => report(server.url, d, i)));
    const published = await experiment(server.url);
    const expected = truth([0, 1, 2, 3]);
    // At epsilon 1000 the summed noise is ~15 integer units: a thirteenth of a device.
    expect(published.noiseSd.devices).toBeLessThan(0.12);
    for (const arm of ARMS)
      for (const f of COUNT_FIELDS) {
        const error = Math.abs(published.totals[arm]!.totals[f] - expected[arm]![f]!);
        expect(error).toBeLessThan(Math.max(5 * published.noiseSd[f]!, 1e-9));
      }
    expect(Math.round(published.totals.personal!.totals.devices)).toBe(2);
    expect(Math.round(published.totals.control!.totals.converted)).toBe(1);

    // The same device again for the same period: refused before anything is sent.
    const again = await report(server.url, devices[0]!, 0).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(RoundHttpError);
    expect((again as RoundHttpError).status).toBe(409);
    expect((again as RoundHttpError).code).toBe('already_reported');
    // The next period is a new release, and the experiment's epsilon composes the two.
    await Promise.all(devices.map((d, i) => report(server.url, d, i, TODAY)));
    const both = await experiment(server.url);
    expect(both.periods.map((p) => p.period)).toEqual([TODAY - 1, TODAY]);
    expect(both.devices).toBe(8);
    expect(both.privacy.epsilon).toBeGreaterThan(both.privacy.epsilonPerPeriod);
  }, 60_000);

  it('publishes revenue per device, its histogram and its lift for an experiment with a currency, in rounds of its own', async () => {
    const server = await startTestServer({
      minClients: 4,
      analyticsMaxClients: 4,
      phaseDeadlineMs: 10_000,
      analyticsEpsilon: 1000,
    });
    stop = server.stop;
    const layout = { arms: ARMS, currency: 'EUR' };
    const revenueOf = (i: number) => [0, 35, 0, 250][i]!;
    const devices = await Promise.all(Array.from({ length: 4 }, newDevice));
    // A device counting without the currency does not join the priced round: it waits in one of its own.
    const lone = await checkIn(server.url, await newDevice(), {
      experiment: 'homepage',
      period: TODAY - 1,
      arms: ARMS,
    });
    expect(lone.status).toBe(200);
    await Promise.all(
      devices.map((d, i) =>
        report(server.url, d, i, TODAY - 1, layout, { ...countsOf(i), purchases: 1, revenue: revenueOf(i) }),
      ),
    );
    expect((await server.store.openRounds()).map((r) => r.currency)).toEqual([null]);
    const published = await experiment(server.url);
    expect(published.currency).toBe('EUR');
    const { control, personal } = published.totals;
    // Devices 0 and 2 are control (0 and 0), 1 and 3 personal (35, and 250 clipped at 200). Revenue weighs
    // 1 unit per euro, so its noise here is ~15 euros (reported), a bucket's a thirteenth of a device.
    const sd = published.noiseSd.revenue!;
    expect(sd).toBeGreaterThan(5);
    expect(Math.abs(personal!.totals.revenue! - 235)).toBeLessThan(5 * sd);
    expect(Math.abs(control!.totals.revenue!)).toBeLessThan(5 * sd);
    expect(Math.round(personal!.totals.revenueTo50!)).toBe(1);
    expect(Math.round(personal!.totals.revenueOver200!)).toBe(1);
    expect(Math.abs(personal!.totals.revenueTo20!)).toBeLessThan(0.5);
    expect(Math.abs(personal!.revenuePerDevice! - 117.5)).toBeLessThan((5 * sd) / 2);
    // Control earned nothing (its noisy total is near 0): no lift can be said, and none is made up.
    expect(Object.keys(published.revenueLifts!)).toEqual(['personal']);
    expect(published.revenueLifts!.personal).toBeNull();
  }, 60_000);

  it('refuses periods that have not ended or are long gone, bad arms, and unknown experiments', async () => {
    const server = await startTestServer({ minClients: 2, analyticsMaxClients: 2 });
    stop = server.stop;
    const device = await newDevice();
    for (const analytics of [
      { experiment: 'homepage', period: TODAY + 1, arms: ARMS },
      { experiment: 'homepage', period: TODAY - 40, arms: ARMS },
      { experiment: 'homepage', period: TODAY, arms: ['a', 'a'] },
      { experiment: 'homepage', period: TODAY, arms: ['only'] },
      { experiment: 'no spaces', period: TODAY, arms: ARMS },
      { experiment: 'homepage', period: TODAY - 1, arms: ARMS, currency: 'euro' },
    ]) {
      const response = await checkIn(server.url, device, analytics);
      expect(response.status, JSON.stringify(analytics)).toBe(400);
    }
    expect(await server.store.openRounds()).toHaveLength(0);
    expect((await fetch(`${server.url}/v1/experiments/homepage`)).status).toBe(404);
    expect((await fetch(`${server.url}/v1/experiments/bad%20id`)).status).toBe(400);
  });

  it('keeps the budget over periods: no period opens once composing it would pass analyticsBudget', async () => {
    const server = await startTestServer({
      minClients: 2,
      analyticsMaxClients: 2,
      phaseDeadlineMs: 10_000,
      analyticsBudget: 1.5,
    });
    stop = server.stop;
    const devices = await Promise.all(Array.from({ length: 2 }, newDevice));
    await Promise.all(devices.map((d, i) => report(server.url, d, i, TODAY - 1)));
    const refused = await report(server.url, devices[0]!, 0, TODAY).catch((e: unknown) => e);
    expect((refused as RoundHttpError).status).toBe(403);
    expect((await experiment(server.url)).periods).toHaveLength(1);
  }, 60_000);
});
