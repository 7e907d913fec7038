import { expect } from 'chai';
import { executeServerCommand } from '@web/test-runner-commands';
import type { Experiment } from 'pocketrank';
import { deleteDb, rejection, startFixture, uniqueDb } from './helpers.js';

const EXPERIMENTS: Experiment[] = [
  { id: 'lift', arms: [{ name: 'control', scenario: 'trending' }, { name: 'personal' }] },
];
const DAY = 86_400_000;
const yesterday = () => Math.floor(Date.now() / DAY) - 1;

/** A day of shopping yesterday: two lists shown for the experiment, a click, a cart and a purchase of a shown item. */
function shopYesterday(rec: Awaited<ReturnType<typeof startFixture>>, r: number): void {
  const at = (yesterday() + 0.5) * DAY + r * 1000;
  const context = { experiment: 'lift' };
  for (let i = 1; i <= 4; i++) rec.track({ type: 'impression', itemId: `sku-0${i + r}`, timestamp: at + i, context });
  rec.track({ type: 'click', itemId: `sku-0${1 + r}`, timestamp: at + 10, context });
  rec.track({ type: 'add_to_cart', itemId: `sku-0${1 + r}`, timestamp: at + 20 });
  rec.track({ type: 'purchase', itemId: `sku-0${1 + r}`, timestamp: at + 30 });
}

describe('reportExperiments(): experiment counters through secure aggregation', () => {
  it("three shoppers' browsers report yesterday's counters; the server publishes only the noisy sum and its epsilon", async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const dbs = [0, 1, 2].map(() => uniqueDb('exp-report'));
    const recs = await Promise.all(
      dbs.map((dbName) =>
        startFixture({ dbName, consent: 'granted', experiments: EXPERIMENTS, federation: { server: url } }),
      ),
    );
    try {
      recs.forEach(shopYesterday);
      const results = await Promise.all(recs.map((rec) => rec.reportExperiments()));
      for (const result of results) {
        expect(result).to.have.length(1);
        expect(result[0]).to.include({ experiment: 'lift', period: yesterday(), participated: true, phase: 'done' });
      }
      const report = (await (await fetch(`${url}/v1/experiments/lift`)).json()) as {
        arms: string[];
        devices: number;
        periods: { period: number; devices: number }[];
        noiseSd: { converted: number };
        privacy: { epsilonPerPeriod: number; mechanism: string };
      };
      expect(report.arms).to.deep.equal(['control', 'personal']);
      expect(report.devices).to.equal(3);
      expect(report.periods.map((p) => p.period)).to.deep.equal([yesterday()]);
      expect(report.privacy.mechanism).to.equal('distributed discrete Gaussian');
      expect(report.privacy.epsilonPerPeriod).to.be.within(0.99, 1);
      expect(report.noiseSd.converted).to.be.greaterThan(1);
      // Reported once: the next call finds nothing left, and sends nothing.
      const again = await recs[0]!.reportExperiments();
      expect(again[0]).to.include({ participated: false });
      expect(again[0]!.reason).to.match(/no finished period/);
    } finally {
      await Promise.all(recs.map((rec) => rec.close()));
      await Promise.all(dbs.map(deleteDb));
      for (const db of dbs) localStorage.removeItem(`pocketrank:${db}:experiments`);
    }
  });

  it("counts revenue at the catalog's prices for an experiment with a currency, and the server publishes it", async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const priced: Experiment[] = [{ ...EXPERIMENTS[0]!, id: 'lift-eur', currency: 'EUR' }];
    const dbs = [0, 1, 2].map(() => uniqueDb('exp-revenue'));
    const recs = await Promise.all(
      dbs.map((dbName) =>
        startFixture({ dbName, consent: 'granted', experiments: priced, federation: { server: url } }),
      ),
    );
    try {
      for (const [r, rec] of recs.entries()) {
        // sku-0{1+r} is what the day buys: 24.5 EUR for the first shopper, 10 USD (not counted) for the others.
        await rec.upsertItems([
          { id: `sku-0${1 + r}`, price: r === 0 ? { amount: 24.5, currency: 'EUR' } : { amount: 10, currency: 'USD' } },
        ]);
        const at = Date.now() - 60_000;
        rec.track({ type: 'impression', itemId: `sku-0${1 + r}`, timestamp: at, context: { experiment: 'lift-eur' } });
        rec.track({ type: 'purchase', itemId: `sku-0${1 + r}`, timestamp: at + 1, context: { quantity: 2 } });
        await rec.flush();
      }
      const today = await Promise.all(recs.map(async (rec) => (await rec.status()).experiments['lift-eur']!.counts));
      expect(today.map((c) => c.revenue)).to.deep.equal([49, 0, 0]);
      expect(today.map((c) => c.purchases)).to.deep.equal([1, 1, 1]);
      // Yesterday's lists were tagged for another experiment: nothing is attributed to this one, and each device
      // still reports its day (a device and no revenue) through secure aggregation.
      recs.forEach(shopYesterday);
      const results = await Promise.all(recs.map((rec) => rec.reportExperiments()));
      for (const result of results)
        expect(result[0]).to.include({ experiment: 'lift-eur', participated: true, phase: 'done' });
      const report = (await (await fetch(`${url}/v1/experiments/lift-eur`)).json()) as {
        currency?: string;
        totals: Record<string, { totals: Record<string, number>; revenuePerDevice?: number | null }>;
        noiseSd: Record<string, number>;
        revenueLifts?: Record<string, unknown>;
      };
      expect(report.currency).to.equal('EUR');
      expect(report.totals.control!.totals).to.have.property('revenue');
      expect(report.totals.personal!.totals).to.have.property('revenueTo20');
      expect(report.noiseSd.revenue).to.be.greaterThan(0);
      expect(report.revenueLifts).to.have.property('personal');
    } finally {
      await Promise.all(recs.map((rec) => rec.close()));
      await Promise.all(dbs.map(deleteDb));
      for (const db of dbs) localStorage.removeItem(`pocketrank:${db}:experiments`);
    }
  });

  it('sends nothing to the federation server until the page calls reportExperiments() (network audit)', async () => {
    // The federation server is this test server's own origin, so the request log sees every request to it.
    const server = `${location.origin}/__federation-audit/`;
    const dbName = uniqueDb('exp-audit');
    const rec = await startFixture({ dbName, consent: 'granted', experiments: EXPERIMENTS, federation: { server } });
    await executeServerCommand('request-log');
    try {
      shopYesterday(rec, 0);
      await rec.flush();
      await rec.recommend({ k: 3 });
      expect((await rec.status()).experiments.lift!.counts.impressions).to.equal(0); // today's period
      const quiet = (await executeServerCommand('request-log')) as { url: string }[];
      expect(quiet.filter((r) => r.url.startsWith('/__federation-audit'))).to.deep.equal([]);
      // The audit sees a report when one is made: its check-in (this origin answers 404, so it fails).
      const error = await rejection(rec.reportExperiments());
      expect(error.name).to.equal('PocketrankError');
      const sent = (await executeServerCommand('request-log')) as { method: string; url: string }[];
      expect(
        sent.filter((r) => r.url.startsWith('/__federation-audit')).map((r) => `${r.method} ${r.url}`),
      ).to.deep.equal(['POST /__federation-audit/v1/checkin']);
    } finally {
      await rec.close();
      await deleteDb(dbName);
      localStorage.removeItem(`pocketrank:${dbName}:experiments`);
    }
  });

  it('refuses without experiments or without a federation server: invalid_argument, nothing sent', async () => {
    const rec = await startFixture({ federation: { server: `${location.origin}/__federation-audit/` } });
    const other = await startFixture({ experiments: EXPERIMENTS });
    try {
      const badCurrency = [{ ...EXPERIMENTS[0]!, currency: 'euro' }];
      const refused = await rejection(startFixture({ experiments: badCurrency }));
      expect(refused.code).to.equal('invalid_argument');
      expect(refused.message).to.match(/currency/);
      expect((await rejection(rec.reportExperiments())).code).to.equal('invalid_argument');
      expect((await rejection(other.reportExperiments())).code).to.equal('invalid_argument');
    } finally {
      await rec.close();
      await other.close();
    }
  });
});
