import { describe, expect, it } from 'vitest';
import { checkItemIdList, idsFromCatalog, itemIdDigest, matchItemIds } from '../../models/sasrec/item-id-list.js';

const ids = ['B004756YJA', 'B004ZT0SSG', 'B0020YLEYK'];
const ref = { file: 'item-ids.json', count: 3, digest: itemIdDigest(ids) };

describe('item ids by reference', () => {
  it('takes the ids from a catalog that starts with them, and from nothing else', () => {
    expect(
      idsFromCatalog(
        ref,
        [...ids, 'new-1'].map((id) => ({ id })),
      ),
    ).toEqual(ids);
    expect(
      idsFromCatalog(
        ref,
        [ids[1]!, ids[0]!, ids[2]!].map((id) => ({ id })),
      ),
    ).toBeUndefined();
    expect(
      idsFromCatalog(
        ref,
        ids.slice(0, 2).map((id) => ({ id })),
      ),
    ).toBeUndefined();
    expect(idsFromCatalog(ref, undefined)).toBeUndefined();
  });

  it('separates ids unambiguously: joining differently is another digest', () => {
    expect(itemIdDigest(['ab', 'c'])).not.toBe(itemIdDigest(['a', 'bc']));
    expect(itemIdDigest(ids)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('names what is wrong with a file or a reference', () => {
    expect(matchItemIds(ref, ids)).toEqual(ids);
    expect(matchItemIds(ref, [...ids].reverse())).toBe("item-ids.json does not match model.json's digest");
    expect(matchItemIds(ref, ids.slice(1))).toBe('item-ids.json lists 2 ids; model.json says 3');
    expect(matchItemIds(ref, { ids })).toBe('item-ids.json must be a JSON array of strings');
    expect(checkItemIdList(ref)).toEqual(ref);
    expect(checkItemIdList({ ...ref, file: '../secret.json' })).toMatch(/file name beside model.json/);
    expect(checkItemIdList({ ...ref, digest: 'xyz' })).toMatch(/hex digest/);
  });
});
