import { expect } from 'chai';
import { deleteDb, uniqueDb } from './helpers.js';

interface PageReport {
  kind: 'ready' | 'tracked';
  storedEvents: number;
  top: string[];
}

function nextReport(frame: HTMLIFrameElement, kind: PageReport['kind']): Promise<PageReport> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent<PageReport>) => {
      if (event.source !== frame.contentWindow || event.data?.kind !== kind) return;
      removeEventListener('message', onMessage);
      resolve(event.data);
    };
    addEventListener('message', onMessage);
  });
}

describe('persistence across a page reload', () => {
  it('keeps tracked events in IndexedDB and ranks from them after reload', async () => {
    const db = uniqueDb('reload');
    const frame = document.createElement('iframe');
    let report = nextReport(frame, 'ready');
    frame.src = `/test/browser/pages/reload-page.html?db=${encodeURIComponent(db)}`;
    document.body.append(frame);
    try {
      const fresh = await report;
      expect(fresh.storedEvents).to.equal(0);

      report = nextReport(frame, 'tracked');
      frame.contentWindow!.postMessage({ kind: 'track', items: ['sku-20', 'sku-21', 'sku-22'] }, '*');
      const tracked = await report;
      expect(tracked.storedEvents).to.equal(3);
      expect(tracked.top[0]).to.equal('sku-23');

      report = nextReport(frame, 'ready');
      frame.contentWindow!.location.reload();
      const reloaded = await report;
      expect(reloaded.storedEvents).to.equal(3);
      expect(reloaded.top).to.deep.equal(tracked.top);
    } finally {
      frame.remove();
      await deleteDb(db);
    }
  });
});
