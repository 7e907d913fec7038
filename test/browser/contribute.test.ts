import { expect } from 'chai';
import { deleteDb, FIXTURE_MODEL, rejection, startFixture, uniqueDb } from './helpers.js';

describe('contribute(): federated fine-tuning from the SDK', () => {
  it("three shoppers' browsers each send only a masked update, and the server publishes a new version", async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const before = ((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version;
    const dbs = [0, 1, 2].map(() => uniqueDb('fed'));
    const recs = await Promise.all(
      dbs.map((dbName) => startFixture({ dbName, federation: { server: url, minNewEvents: 5 } })),
    );
    try {
      const notYet = await recs[0]!.contribute();
      expect(notYet.participated).to.equal(false);
      expect(notYet.reason).to.match(/new events/);
      recs.forEach((rec, r) => {
        for (let i = 0; i < 6; i++)
          rec.track({ type: 'view', itemId: `sku-${String(10 * r + i + 1).padStart(2, '0')}` });
      });
      const results = await Promise.all(recs.map((rec) => rec.contribute()));
      for (const result of results) {
        expect(result.participated).to.equal(true);
        expect(result.phase).to.equal('done');
        expect(result.uploadedBytes).to.be.greaterThan(50_000);
        expect(result.uploadedBytes).to.be.below(512 * 1024);
      }
      const after = ((await (await fetch(`${url}/v1/models/latest`)).json()) as { version: number }).version;
      expect(after).to.equal(before + 1);
      const oldParams = new Float32Array(await (await fetch(`${url}/v1/models/${before}`)).arrayBuffer());
      const newParams = new Float32Array(await (await fetch(`${url}/v1/models/${after}`)).arrayBuffer());
      expect(newParams.some((v, i) => v !== oldParams[i])).to.equal(true);
      // Serving is untouched by contributing, and the next contribution needs new events again.
      expect((await recs[0]!.recommend({ k: 1 })).length).to.equal(1);
      expect((await recs[0]!.contribute()).participated).to.equal(false);
      // The privacy report comes from the server; this test server adds no DP noise, so epsilon is unbounded (null).
      const { federation } = await recs[1]!.status();
      expect(federation).to.include({ server: `${url}/`, noiseMultiplier: 0, epsilon: null });
      expect(federation!.rounds).to.be.at.least(1);
    } finally {
      await Promise.all(recs.map((rec) => rec.close()));
      await Promise.all(dbs.map(deleteDb));
    }
  });

  it("with a DP server that federates the model's dpCoordinates, each browser sends only those positions, and epsilon is spent", async () => {
    const { dpUrl } = (await (await fetch('/__federation.json')).json()) as { dpUrl: string };
    const before = ((await (await fetch(`${dpUrl}/v1/models/latest`)).json()) as { version: number }).version;
    const oldParams = new Float32Array(await (await fetch(`${dpUrl}/v1/models/${before}`)).arrayBuffer());
    const model = (await (await fetch(FIXTURE_MODEL)).json()) as {
      userDefinedMetadata: { pocketrank: { dpCoordinates: number[] } };
    };
    const { dpCoordinates } = model.userDefinedMetadata.pocketrank;
    // The server's global vector is the model's dpCoordinates only: a quarter of the whole part in this fixture.
    expect(oldParams.length).to.equal(dpCoordinates.length);
    const dbs = [0, 1, 2].map(() => uniqueDb('fed-dp'));
    const recs = await Promise.all(
      dbs.map((dbName) => startFixture({ dbName, federation: { server: dpUrl, minNewEvents: 1 } })),
    );
    try {
      recs.forEach((rec, r) => {
        for (let i = 0; i < 4; i++)
          rec.track({ type: 'view', itemId: `sku-${String(7 * r + i + 1).padStart(2, '0')}` });
      });
      const top = await recs[0]!.recommend({ k: 5 });
      const results = await Promise.all(recs.map((rec) => rec.contribute()));
      for (const result of results) {
        expect(result).to.include({ participated: true, phase: 'done', uploadedBytes: dpCoordinates.length * 4 });
      }
      const after = ((await (await fetch(`${dpUrl}/v1/models/latest`)).json()) as { version: number }).version;
      expect(after).to.equal(before + 1);
      const newParams = new Float32Array(await (await fetch(`${dpUrl}/v1/models/${after}`)).arrayBuffer());
      expect(newParams.length).to.equal(dpCoordinates.length);
      expect(newParams.some((v, i) => v !== oldParams[i])).to.equal(true);
      // Contributing left this browser's serving weights exactly as they were.
      expect(await recs[0]!.recommend({ k: 5 })).to.deep.equal(top);
      const { federation } = await recs[0]!.status();
      expect(federation!.noiseMultiplier).to.equal(1);
      expect(federation!.epsilon).to.be.greaterThan(0);
    } finally {
      await Promise.all(recs.map((rec) => rec.close()));
      await Promise.all(dbs.map(deleteDb));
    }
  });

  it('without options.federation it refuses and contacts no server', async () => {
    const rec = await startFixture();
    try {
      const error = await rejection(rec.contribute());
      expect(error.code).to.equal('invalid_argument');
      expect(error.message).to.match(/nothing was sent/);
    } finally {
      await rec.close();
    }
  });
});

describe('contribute() across a page reload', () => {
  it('a browser closed mid-round resumes from IndexedDB when the page comes back, and is counted', async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const dbs = [0, 1, 2].map(() => uniqueDb('resume'));
    const open = (dbName: string) => startFixture({ dbName, federation: { server: url, minNewEvents: 2 } });
    const recs = await Promise.all(dbs.map(open));
    recs.forEach((rec, r) => {
      for (let i = 0; i < 3; i++)
        rec.track({ type: 'view', itemId: `sku-${String(20 + 10 * r + i).padStart(2, '0')}` });
    });
    const running = recs.map((rec) => rec.contribute());
    // Wait until this round has shared its keys, then "reload" the first shopper's page.
    let round = '';
    for (;;) {
      const rounds = (await (await fetch(`${url}/v1/rounds`)).json()) as { round: string; phase: string }[];
      if (rounds[0] && ['mask', 'consistency', 'unmask'].includes(rounds[0].phase)) {
        round = rounds[0].round;
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    await recs[0]!.close();
    const closed = await running[0]!.then(
      () => 'finished',
      (error: { code?: string }) => error.code,
    );
    expect(['closed', 'finished']).to.include(closed);
    const reopened = await open(dbs[0]!);
    try {
      const [second, third] = await Promise.all(running.slice(1));
      expect(second!.phase).to.equal('done');
      expect(third!.phase).to.equal('done');
      const { survivors } = (await (await fetch(`${url}/v1/rounds/${round}/survivors`)).json()) as {
        survivors: number[];
      };
      expect(survivors).to.have.length(3);
    } finally {
      await Promise.all([reopened.close(), recs[1]!.close(), recs[2]!.close()]);
      await Promise.all(dbs.map(deleteDb));
    }
  });

  it("with a server that admits by ticket, each browser gets its ticket from the shop's endpoint (with its cookies) and takes part", async () => {
    const { ticketedUrl } = (await (await fetch('/__federation.json')).json()) as { ticketedUrl: string };
    const before = ((await (await fetch(`${ticketedUrl}/v1/models/latest`)).json()) as { version: number }).version;
    const dbs = [0, 1, 2].map(() => uniqueDb('ticketed'));
    const federation = { server: ticketedUrl, minNewEvents: 1, ticketUrl: '/__ticket' };
    const recs = await Promise.all(dbs.map((dbName) => startFixture({ dbName, federation })));
    try {
      recs.forEach((rec, r) => [1, 2, 3].forEach((i) => rec.track({ type: 'view', itemId: `sku-0${r + i}` })));
      await Promise.all(recs.map((rec) => rec.flush()));
      // The shop does not know this visitor yet (no session cookie): it vouches for nobody.
      document.cookie = 'session=; max-age=0; path=/';
      const refused = await rejection(recs[0]!.contribute());
      expect(refused).to.include({ code: 'not_allowed' });
      expect(refused.message).to.match(/ticket endpoint did not vouch .*403/);
      document.cookie = 'session=shopper-42; path=/';
      const results = await Promise.all(recs.map((rec) => rec.contribute()));
      expect(results.map((r) => r.phase)).to.deep.equal(['done', 'done', 'done']);
      const after = ((await (await fetch(`${ticketedUrl}/v1/models/latest`)).json()) as { version: number }).version;
      expect(after).to.equal(before + 1);
    } finally {
      document.cookie = 'session=; max-age=0; path=/';
      await Promise.all(recs.map((rec) => rec.close()));
      await Promise.all(dbs.map(deleteDb));
    }
  });

  it('asks the federation server nothing until this page calls contribute(), not even for the privacy report', async () => {
    const { url } = (await (await fetch('/__federation.json')).json()) as { url: string };
    const origin = new URL(url).origin;
    const toServer = () =>
      performance.getEntriesByType('resource').filter((e) => new URL(e.name).origin === origin).length;
    performance.clearResourceTimings();
    const dbName = uniqueDb('no-contact');
    const rec = await startFixture({ dbName, federation: { server: url, minNewEvents: 100 } });
    try {
      for (let i = 1; i <= 5; i++) {
        rec.track({ type: 'view', itemId: `sku-0${i}` });
        expect((await rec.status()).federation).to.equal(undefined);
      }
      expect(toServer()).to.equal(0);
      expect((await rec.contribute()).participated).to.equal(false); // too few events: nothing sent
      const { federation } = await rec.status();
      expect(federation).to.include({ server: `${url}/` });
      expect(toServer()).to.equal(1);
    } finally {
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
