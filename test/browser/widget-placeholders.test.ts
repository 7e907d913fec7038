import { expect } from 'chai';
import { defineRecsElement } from 'pocketrank';
import { deleteDb, startFixture, uniqueDb } from './helpers.js';

describe('<pocketrank-recs> placeholders', () => {
  it('fetch nothing: a template image is requested only once its card has a real item', async () => {
    const dbName = uniqueDb('placeholders');
    const rec = await startFixture({ dbName });
    defineRecsElement(rec, { tagName: 'pocketrank-recs-ph' });
    const widget = document.createElement('pocketrank-recs-ph');
    widget.setAttribute('count', '3');
    widget.innerHTML =
      '<template><a href="/p/{itemId}"><img src="/img/{itemId}.svg" srcset="/img/{itemId}@2x.svg 2x" alt=""><b data-pr-text="itemId"></b></a></template>';
    performance.clearResourceTimings();
    document.body.append(widget);
    try {
      await new Promise((resolve) => widget.addEventListener('pocketrank-render', resolve, { once: true }));
      await new Promise((r) => setTimeout(r, 300));
      const images = performance
        .getEntriesByType('resource')
        .map((e) => new URL(e.name).pathname)
        .filter((p) => p.startsWith('/img/'));
      expect(images.filter((p) => p.includes('%7B') || p.includes('{'))).to.deep.equal([]);
      expect(images.length).to.be.greaterThan(0); // the real cards' images were asked for
    } finally {
      widget.remove();
      await rec.close();
      await deleteDb(dbName);
    }
  });
});
