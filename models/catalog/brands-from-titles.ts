/** Items an attribute value needs before its titles can name a brand. */
const MIN_ITEMS = 3;
/** Share of those items whose titles must start with the same words. */
const MIN_SHARE = 0.6;
const MAX_WORDS = 3;

const words = (title: string) => title.toLowerCase().split(' ').filter(Boolean);
const titleCase = (phrase: string) =>
  phrase.replace(/(^|\s)(\p{L})/gu, (_, space: string, c: string) => space + c.toUpperCase());

/**
 * Brands read from titles: data files give brands only as attribute ids, and shop titles usually
 * start with the brand. An attribute value whose items' titles mostly (60%) start with the same one
 * to three words is taken as a brand named by them; an item gets the longest such brand its own
 * title starts with. Nothing about a category is assumed: it works from the ids and titles alone.
 * @returns per item (same order as the input) its brand in title case, or undefined
 */
export function brandsFromTitles(
  items: readonly { title?: string; tags?: readonly string[] }[],
): (string | undefined)[] {
  const byTag = new Map<string, string[][]>();
  for (const item of items)
    if (item.title)
      for (const tag of item.tags ?? []) {
        const list = byTag.get(tag) ?? [];
        list.push(words(item.title));
        byTag.set(tag, list);
      }
  const brandOf = new Map<string, string>();
  for (const [tag, titles] of byTag) {
    if (titles.length < MIN_ITEMS) continue;
    for (let n = MAX_WORDS; n >= 1; n--) {
      const counts = new Map<string, number>();
      for (const t of titles)
        if (t.length > n) counts.set(t.slice(0, n).join(' '), (counts.get(t.slice(0, n).join(' ')) ?? 0) + 1);
      const [prefix, count] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
      if (count / titles.length >= MIN_SHARE) {
        brandOf.set(tag, prefix);
        break;
      }
    }
  }
  return items.map((item) => {
    if (!item.title) return undefined;
    const title = words(item.title).join(' ');
    const brands = (item.tags ?? []).flatMap((tag) => brandOf.get(tag) ?? []).filter((b) => title.startsWith(`${b} `));
    const longest = brands.sort((a, b) => b.length - a.length)[0];
    return longest && titleCase(longest);
  });
}
