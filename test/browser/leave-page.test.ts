import { expect } from 'chai';
import { deleteDb, uniqueDb } from './helpers.js';

interface Ready {
  kind: 'ready';
  /** `type:itemId` of every stored event, in order. */
  events: string[];
}

function nextReady(frame: HTMLIFrameElement): Promise<Ready> {
  return new Promise((resolve) => {
    const onMessage = (event: MessageEvent<Ready>) => {
      if (event.source !== frame.contentWindow || event.data?.kind !== 'ready') return;
      removeEventListener('message', onMessage);
      resolve(event.data);
    };
    addEventListener('message', onMessage);
  });
}

/** Opens the storefront page, makes it track and leave, and returns what the next page found stored. */
async function leave(how: 'link' | 'form' | 'widget', delayMs: number, itemId: string): Promise<string[]> {
  const db = uniqueDb('leave');
  const frame = document.createElement('iframe');
  let ready = nextReady(frame);
  frame.src = `/test/browser/pages/leave-page.html?db=${encodeURIComponent(db)}`;
  document.body.append(frame);
  try {
    expect((await ready).events).to.deep.equal([]);
    ready = nextReady(frame);
    frame.contentWindow!.postMessage({ kind: 'leave', itemId, delayMs, how }, '*');
    return (await ready).events;
  } finally {
    frame.remove();
    await deleteDb(db);
  }
}

describe('an event tracked right before the page goes away', () => {
  for (const delayMs of [0, 50, 150, 400, 1000]) {
    it(`is stored when a link is followed ${delayMs} ms after add_to_cart`, async () => {
      expect(await leave('link', delayMs, 'sku-7')).to.include('add_to_cart:sku-7');
    });
  }

  it('is stored when a form is posted at once', async () => {
    expect(await leave('form', 0, 'sku-9')).to.include('add_to_cart:sku-9');
  });

  it("is stored when the shopper clicks a recommended card (the widget's own click event)", async () => {
    const events = await leave('widget', 0, '');
    expect(events.filter((e) => e.startsWith('click:'))).to.have.length(1);
  });
});
