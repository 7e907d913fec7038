import { expect } from 'chai';

describe('the script-tag (IIFE) bundle', () => {
  it('finds its worker beside the script, ranks, and throws typed errors', async () => {
    const frame = document.createElement('iframe');
    const result = new Promise<{ top?: string[]; code?: string; error?: string }>((resolve) => {
      addEventListener('message', function onMessage(event) {
        if (event.source !== frame.contentWindow || event.data?.kind !== 'iife') return;
        removeEventListener('message', onMessage);
        resolve(event.data);
      });
    });
    frame.src = '/test/browser/pages/iife-page.html';
    document.body.append(frame);
    try {
      const data = await result;
      expect(data.error).to.equal(undefined);
      expect(data.top).to.deep.equal(['sku-32']);
      expect(data.code).to.equal('invalid_event');
    } finally {
      frame.remove();
    }
  });
});
