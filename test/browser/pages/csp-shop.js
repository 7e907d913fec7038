// The shop's own script on the CSP page: queues calls before the loader arrives, then reports
// what happened to the test page that framed it.
window.pocketrank = window.pocketrank || [];
const violations = [];
// Anything the SDK logs as an error goes into the report, and a stuck start still reports.
const errors = [];
const consoleError = console.error;
console.error = (...args) => {
  errors.push(args.map(String).join(' '));
  consoleError(...args);
};
addEventListener('error', (e) => errors.push(String(e.message)));
setTimeout(() => parent.postMessage({ kind: 'csp', error: 'no answer in 60 s', errors, violations }, '*'), 60_000);
document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
let shift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) shift += entry.value;
}).observe({ type: 'layout-shift', buffered: true });

for (const itemId of ['sku-05', 'sku-06', 'sku-07']) pocketrank.push(['track', { type: 'view', itemId }]);
// Only the public methods are commands: internals, unknown names and malformed commands are refused.
const commands = {};
const note = (name) => (error, result) =>
  (commands[name] = error ? { code: error.code, name: error.name } : { result: JSON.stringify(result) });
pocketrank.push(['guard', 1, note('guard')]);
pocketrank.push(['constructor', note('constructor')]);
pocketrank.push(['close', note('close')]);
pocketrank.push(['nope', note('nope')]);
pocketrank.push(['ready', note('ready')]);
pocketrank.push('track');
pocketrank.push([
  'recommend',
  { k: 2 },
  (error, top) => {
    const widget = document.querySelector('pocketrank-recs');
    const before = document.getElementById('below').getBoundingClientRect().top;
    const report = () => {
      const cards = [...widget.querySelectorAll('[data-pocketrank-item]')];
      parent.postMessage(
        {
          kind: 'csp',
          error: error && String(error),
          top: top && top.map((r) => r.itemId),
          widget: cards.map((c) => c.textContent),
          hrefs: cards.map((c) => c.getAttribute('href')),
          below: [before, document.getElementById('below').getBoundingClientRect().top],
          shift,
          violations,
          errors,
          commands,
        },
        '*',
      );
    };
    if (widget.results && widget.results.length) report();
    else widget.addEventListener('pocketrank-render', () => setTimeout(report, 100), { once: true });
  },
]);
