import { expect } from 'chai';
import { rejection, startFixture } from './helpers.js';

// One policy for ids the catalog does not know: tracked events keep them (the catalog may lag
// behind the shop) and status() counts them; a query that names one, or a filter field no item
// has, is an invalid_argument rather than a quietly different list.
describe('unknown ids and fields', () => {
  it('stores tracked unknown ids and counts them; similar, pin and filter on unknowns are invalid_argument', async () => {
    const rec = await startFixture();
    try {
      rec.track({ type: 'view', itemId: 'sku-03' });
      rec.track({ type: 'view', itemId: 'not-in-the-catalog' });
      const status = await rec.status();
      expect(status.unknownHistoryItems).to.equal(1);
      expect((await rec.storedData()).events.map((e) => e.itemId)).to.include('not-in-the-catalog');

      const similar = await rejection(rec.recommend({ k: 3, scenario: 'similar', item: 'not-in-the-catalog' }));
      expect(similar).to.include({ code: 'invalid_argument' });
      expect(similar.message).to.match(/not-in-the-catalog/);
      const pin = await rejection(rec.recommend({ k: 3, pin: ['sku-07', 'nope'] }));
      expect(pin).to.include({ code: 'invalid_argument' });
      expect(pin.message).to.match(/nope/);
      const filter = await rejection(rec.recommend({ k: 3, filter: { colour: 'red' } }));
      expect(filter).to.include({ code: 'invalid_argument' });
      expect(filter.message).to.match(/colour.*brand/s);
      // A field some items have, with a value none has, is a real empty answer.
      expect(await rec.recommend({ k: 3, filter: { brand: 'brand-99' } })).to.deep.equal([]);
    } finally {
      await rec.close();
    }
  });
});
