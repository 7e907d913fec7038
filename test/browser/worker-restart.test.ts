import { expect } from 'chai';
import { deleteDb, rejection, startFixture, uniqueDb } from './helpers.js';

/** Records every Worker the page starts, so a test can kill the SDK's behind its back. */
function watchWorkers(): { started: Worker[]; restore: () => void } {
  const started: Worker[] = [];
  const Original = window.Worker;
  window.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started.push(this);
    }
  };
  return { started, restore: () => (window.Worker = Original) };
}

describe('when the worker dies', () => {
  it('restarts it once with the same options, stores what was in flight, and answers calls made meanwhile', async () => {
    const dbName = uniqueDb('restart');
    const workers = watchWorkers();
    const rec = await startFixture({ dbName, flushIntervalMs: 60_000 });
    try {
      rec.track({ type: 'view', itemId: 'sku-05' });
      await rec.flush();
      await rec.setStock({ 'sku-06': false });
      rec.track({ type: 'view', itemId: 'sku-09' });
      const inFlight = rec.flush();
      workers.started[0]!.terminate(); // as an out-of-memory kill would
      const during = rec.recommend({ k: 3 }); // made while it is down: answered by the new one
      await inFlight;
      const top = (await during).map((r) => r.itemId);
      expect(top[0]).to.equal('sku-10');
      expect(workers.started).to.have.length(2);
      const status = await rec.status();
      expect(status.workerRestarts).to.equal(1);
      expect(status.storage.state).to.equal('durable');
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.deep.equal(['sku-05', 'sku-09']);
      // Page-side settings survive: sku-06 stays out of stock in the new worker.
      rec.track({ type: 'view', itemId: 'sku-05' });
      expect((await rec.recommend({ k: 5 })).map((r) => r.itemId)).to.not.include('sku-06');
    } finally {
      workers.restore();
      await rec.close();
      await deleteDb(dbName);
    }
  });

  it('a second death rejects every call with worker_failed and does not restart again', async () => {
    const dbName = uniqueDb('restart-twice');
    const workers = watchWorkers();
    const rec = await startFixture({ dbName });
    try {
      workers.started[0]!.terminate();
      await rec.recommend({ k: 1 });
      workers.started[1]!.terminate();
      const error = await rejection(rec.recommend({ k: 1 }));
      expect(error.code).to.equal('worker_failed');
      expect((await rejection(rec.status())).code).to.equal('worker_failed');
      expect(workers.started).to.have.length(2);
    } finally {
      workers.restore();
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
