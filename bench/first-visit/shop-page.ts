/** The product the bench's shopper is looking at (an ASIN of the shipped Beauty catalog). */
export const PRODUCT = 'B0009P4PZC';

// In the page: vitals observers (LCP, CLS, long tasks) and the times of the widget's first card
// and of its first card from the model, in ms since navigation start, in `window.__firstVisit`.
const PROBE = `
window.__firstVisit = { longTasks: 0, longTaskMs: 0, cls: 0, lcp: 0 };
const v = window.__firstVisit;
new PerformanceObserver((l) => l.getEntries().forEach((e) => { v.longTasks++; v.longTaskMs += e.duration; }))
  .observe({ type: 'longtask', buffered: true });
new PerformanceObserver((l) => l.getEntries().forEach((e) => { if (!e.hadRecentInput) v.cls += e.value; }))
  .observe({ type: 'layout-shift', buffered: true });
new PerformanceObserver((l) => l.getEntries().forEach((e) => (v.lcp = e.startTime)))
  .observe({ type: 'largest-contentful-paint', buffered: true });
addEventListener('load', () => (v.load = performance.now()));
`;

const WIDGET_PROBE = `
const recs = document.querySelector('pocketrank-recs');
let rec;
pocketrank.push(['ready', (error, r) => {
  if (error) return (v.error = String(error));
  rec = r;
  v.sdkStarted = performance.now();
  rec.ready().then(() => (v.engineReady = performance.now()));
}]);
new MutationObserver(() => {
  if (v.firstCard === undefined && recs.querySelector('[data-pocketrank-item]')) v.firstCard = performance.now();
}).observe(recs, { childList: true, subtree: true });
recs.addEventListener('pocketrank-render', (e) => {
  if (rec && rec.stage === 'ready' && v.personalCard === undefined && e.detail.results.length) {
    v.personalCard = performance.now();
    v.personalItems = e.detail.results.map((r) => r.itemId);
    rec.status().then((s) => (v.startup = s.startup));
  }
});
recs.addEventListener('pocketrank-error', (e) => (v.error = String(e.detail)));
`;

/**
 * A product page as a shop writes it, following the README: the command queue, the async loader
 * with the first list, and the widget with a reserved height. `withSdk: false` is the same page
 * without the SDK (no loader, no widget), the baseline for its vitals.
 */
export function shopPage(withSdk: boolean): string {
  const sdk = withSdk
    ? `<section class="recs"><h2>You may also like</h2><pocketrank-recs scenario="for-you" count="4"></pocketrank-recs></section>
<script>window.pocketrank = window.pocketrank || [];
pocketrank.push(['track', { type: 'view', itemId: '${PRODUCT}' }]);${WIDGET_PROBE}</script>
<script async src="/dist/pocketrank.loader.js" data-model="/models/beauty/model.json" data-first-list="/models/beauty/top.json"></script>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cococare coconut oil 100 pure 4 oz</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 960px; padding: 16px; }
.hero { display: grid; grid-template-columns: 1fr 1fr; gap: 24px; }
.photo { aspect-ratio: 1; background: linear-gradient(135deg, #f3e9dc, #d9c3a5); border-radius: 8px; }
.recs pocketrank-recs { display: block; min-height: 220px; }
pocketrank-recs [data-pocketrank-item] { display: inline-block; width: 22%; margin: 1%; }
</style>
<script>${PROBE}</script>
</head><body>
<header><b>Example shop</b> · Beauty · Skin care</header>
<main>
<div class="hero"><div class="photo" role="img" aria-label="product photo"></div>
<div><h1>Cococare coconut oil 100 pure 4 oz</h1>
<p>Pure coconut oil for skin and hair, cold pressed. Rich in fatty acids that soften dry skin and
tame frizz; a few drops are enough. Free of parabens and fragrance. 4 oz jar.</p>
<p><b>$7.99</b> <button>Add to cart</button></p></div></div>
${sdk}
<footer><p>Free shipping over $25 · Returns within 30 days · Customer service</p></footer>
</main></body></html>`;
}
