import type { ItemDisplay, Price } from '../contract/types.js';

const formats = new Map<string, Intl.NumberFormat>();

/** A price in the page's locale (`<html lang>`, else the browser's), e.g. "€12.50" or "12,50 €". */
export function formatPrice(price: Price): string {
  const locale = (typeof document !== 'undefined' && document.documentElement.lang) || navigator.language;
  const key = `${locale}|${price.currency}`;
  let format = formats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, { style: 'currency', currency: price.currency });
    } catch {
      try {
        format = new Intl.NumberFormat(undefined, { style: 'currency', currency: price.currency });
      } catch {
        // Not a currency Intl knows: the amount and the code, rather than no card at all.
        return `${price.amount} ${price.currency}`;
      }
    }
    formats.set(key, format);
  }
  return format.format(price.amount);
}

/** What a card template can print (`data-pr-text`) or put in an attribute (`{field}`); absent fields print nothing. */
export function cardFields(
  rec: ItemDisplay & { itemId: string; score: number | null },
  reason: string,
  label: (id: string) => string,
): Record<string, string> {
  const fields: Record<string, string> = {
    itemId: rec.itemId,
    name: label(rec.itemId),
    reason,
    score: rec.score === null ? '' : rec.score.toFixed(3),
  };
  if (rec.title !== undefined) fields.title = rec.title;
  if (rec.brand !== undefined) fields.brand = rec.brand;
  if (rec.price !== undefined) fields.price = formatPrice(rec.price);
  if (rec.category !== undefined)
    fields.category = Array.isArray(rec.category) ? rec.category.join(' › ') : rec.category;
  if (rec.url !== undefined) fields.url = rec.url;
  if (rec.image !== undefined) fields.image = rec.image;
  return fields;
}

/**
 * A card from the element's `<template>` child (its first element), or a plain one with a line per
 * field of `lines` when it has none.
 */
export function cardFromTemplate(host: Element, lines: readonly string[]): Element {
  const template = host.querySelector(':scope > template');
  const root = template instanceof HTMLTemplateElement ? template.content.firstElementChild : null;
  if (root) return root.cloneNode(true) as Element;
  const card = Object.assign(document.createElement('div'), { className: 'pocketrank-item' });
  for (const field of lines) {
    const line = Object.assign(document.createElement('div'), { className: `pocketrank-${field}` });
    line.setAttribute('data-pr-text', field);
    card.append(line);
  }
  return card;
}

/** An invisible stand-in with the card's layout, so results arrive without shifting the page. */
export function placeholderCard(el: Element): Element {
  // Unfilled `{field}` attributes (an image's src, a link) would be fetched or followed as they are.
  for (const node of [el, ...el.querySelectorAll('*')])
    for (const attr of [...node.attributes]) if (attr.value.includes('{')) node.removeAttribute(attr.name);
  el.setAttribute('aria-hidden', 'true');
  (el as HTMLElement).style.visibility = 'hidden';
  return el;
}

/**
 * Fills a card: `data-pr-text="field"` elements get the field as text (hidden when the item lacks
 * it), `{field}` in an attribute is replaced by the field (`{itemId}` URL-encoded); an attribute
 * naming a missing field is removed. Text goes in as text, values as values: nothing is parsed as HTML.
 */
export function fillCard(el: Element, fields: Readonly<Record<string, string>>): void {
  for (const node of [el, ...el.querySelectorAll('*')]) {
    const field = node.getAttribute('data-pr-text');
    if (field) {
      node.textContent = fields[field] ?? '';
      if (fields[field] === undefined) (node as HTMLElement).hidden = true;
    }
    for (const attr of [...node.attributes]) {
      if (!attr.value.includes('{')) continue;
      let missing = false;
      const value = attr.value.replace(/\{(\w+)\}/g, (token, name: string) => {
        const v = fields[name];
        if (v === undefined) {
          missing = true;
          return token;
        }
        return name === 'itemId' ? encodeURIComponent(v) : v;
      });
      if (missing) node.removeAttribute(attr.name);
      else attr.value = value;
    }
  }
}
