// Loaded before the README's snippet on /csp/readme.html (not part of the snippet): records what
// the snippet's queue logged, CSP violations and errors, and reports to the framing test page.
const logged = [];
const errors = [];
const violations = [];
const consoleLog = console.log;
console.log = (...args) => {
  logged.push(args);
  consoleLog(...args);
};
const consoleError = console.error;
console.error = (...args) => {
  errors.push(args.map(String).join(' '));
  consoleError(...args);
};
document.addEventListener('securitypolicyviolation', (e) => violations.push(`${e.violatedDirective} ${e.blockedURI}`));
const send = (extra) =>
  parent.postMessage(
    { kind: 'readme', logged: logged.map((a) => JSON.parse(JSON.stringify(a))), errors, violations, ...extra },
    '*',
  );
setTimeout(() => send({ timeout: true }), 60_000);
addEventListener('DOMContentLoaded', () => {
  const widget = document.querySelector('pocketrank-recs');
  widget.addEventListener(
    'pocketrank-render',
    () =>
      setTimeout(() => {
        send({ cards: widget.querySelectorAll('[data-pocketrank-item]').length });
      }, 200),
    { once: true },
  );
});
