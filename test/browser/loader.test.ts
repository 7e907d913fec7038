import { executeServerCommand } from '@web/test-runner-commands';
import { expect } from 'chai';

interface ShopReport {
  error?: string;
  top?: string[];
  widget: string[];
  hrefs: string[];
  below: [number, number];
  shift: number;
  violations: string[];
  errors: string[];
  commands: Record<string, { code?: string; name?: string; result?: string }>;
}

function frameReport(src: string): { frame: HTMLIFrameElement; report: Promise<ShopReport> } {
  const frame = document.createElement('iframe');
  frame.style.width = '800px';
  frame.style.height = '600px';
  const report = new Promise<ShopReport>((resolve) => {
    addEventListener('message', function onMessage(event) {
      if (event.source !== frame.contentWindow || event.data?.kind !== 'csp') return;
      removeEventListener('message', onMessage);
      resolve(event.data);
    });
  });
  frame.src = src;
  document.body.append(frame);
  return { frame, report };
}

describe('the script-tag loader', () => {
  it('runs from another origin under a strict CSP, replays queued calls, and fills the widget without layout shift', async () => {
    const { frame, report } = frameReport('/csp/shop.html');
    try {
      const r = await report;
      expect(r.error, JSON.stringify(r)).to.equal(null);
      expect(r.errors).to.deep.equal(['[pocketrank] a pocketrank command is an array: [name, ...args]']);
      for (const name of ['guard', 'constructor', 'close', 'nope'])
        expect(r.commands[name], name).to.deep.equal({ code: 'invalid_argument', name: 'PocketrankError' });
      expect(r.commands.ready).to.deep.equal({ result: JSON.stringify({ recommender: 'pocketrank', closed: false }) });
      expect(r.violations).to.deep.equal([]);
      // Queued before the loader existed: three views, then a recommendation on them.
      expect(r.top).to.deep.equal(['sku-08', 'sku-09']);
      expect(r.widget).to.have.length(3);
      expect(r.widget[0]).to.equal('sku-08 Because you viewed sku-07');
      expect(r.hrefs[0]).to.equal('/product/sku-08');
      // The widget reserved its space before results came: nothing below it moved.
      expect(r.below[1]).to.equal(r.below[0]);
      expect(r.shift).to.equal(0);
      const { log } = (await (await fetch('/__cdn.json')).json()) as {
        log: { method: string; path: string; bodyBytes: number }[];
      };
      expect(log.map((l) => l.path)).to.include.members([
        'dist/pocketrank.loader.js',
        'dist/pocketrank.iife.js',
        'dist/pocketrank.worker.js',
        'test/fixtures/generated/model/model.json',
      ]);
      // Nothing is ever sent to the CDN: only GETs without bodies.
      for (const l of log) expect(l).to.deep.include({ method: 'GET', bodyBytes: 0 });
    } finally {
      frame.remove();
    }
  });

  it("the README's own snippet, queue file and policy work as written: the queue runs and the widget fills", async () => {
    const frame = document.createElement('iframe');
    const report = new Promise<{
      logged: unknown[][];
      errors: string[];
      violations: string[];
      cards?: number;
      timeout?: boolean;
    }>((resolve) =>
      addEventListener('message', function onMessage(event) {
        if (event.source !== frame.contentWindow || event.data?.kind !== 'readme') return;
        removeEventListener('message', onMessage);
        resolve(event.data);
      }),
    );
    frame.style.width = '800px';
    frame.style.height = '600px';
    frame.src = '/csp/readme.html';
    document.body.append(frame);
    try {
      const r = await report;
      expect(r.timeout, JSON.stringify(r)).to.equal(undefined);
      expect(r.violations).to.deep.equal([]);
      expect(r.errors).to.deep.equal([]);
      expect(r.cards).to.equal(4);
      // The queued recommend ran and logged its four items (not an error).
      const items = r.logged.find((args) => Array.isArray(args[0]))?.[0] as { itemId: string }[] | undefined;
      expect(items?.length).to.equal(4);
    } finally {
      frame.remove();
    }
  });

  it('with data-first-list fills the widget from the first list before the model arrives, fetching it once; data-experiments assigns the arm', async () => {
    await executeServerCommand('request-log');
    const origin = location.origin;
    // The SDK from the CDN server (it serves dist/ byte for byte, so the integrity hash holds).
    const cdn = ((await (await fetch('/__cdn.json')).json()) as { origin: string }).origin;
    const top = (await (await fetch('/models/beauty/top.json')).json()) as { items: { id: string }[] };
    await executeServerCommand('request-log');
    const frame = document.createElement('iframe');
    // The model is held back 4 s (test-delay): the first list must not wait for it.
    frame.srcdoc = `<!doctype html><meta charset="utf-8">
<pocketrank-recs scenario="for-you" count="3" style="display:block;min-height:120px"></pocketrank-recs>
<script async src="${cdn}/dist/pocketrank.loader.js" data-consent="denied" data-db="first-list-${Date.now()}"
  data-experiments='[{"id":"lift","arms":[{"name":"control","scenario":"trending"},{"name":"personal","weight":0}]}]'
  data-model="${origin}/models/beauty/model.json?test-delay=4000" data-first-list="${origin}/models/beauty/top.json"></script>`;
    document.body.append(frame);
    try {
      const cards = async (timeoutMs: number) => {
        for (const until = Date.now() + timeoutMs; Date.now() < until;) {
          const shown = [...(frame.contentDocument?.querySelectorAll('[data-pocketrank-item]') ?? [])].map((card) =>
            card.getAttribute('data-pocketrank-item')!,
          );
          if (shown.length) return shown;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return [];
      };
      const started = performance.now();
      const first = await cards(3000);
      // Well before the model's 4 s: the trending items of top.json, in its order.
      expect(performance.now() - started).to.be.below(3000);
      expect(first).to.deep.equal(top.items.slice(0, 3).map((item) => item.id));
      const requests = (await executeServerCommand('request-log')) as { url: string }[];
      // Preloaded by the loader and taken by the SDK: one request.
      expect(requests.filter((r) => r.url.startsWith('/models/beauty/top.json'))).to.have.length(1);
      // data-experiments reached the SDK: the device is in the only arm that takes devices.
      const status = await new Promise<{ experiments: Record<string, { arm: string }> }>((resolve, reject) =>
        (frame.contentWindow as unknown as { pocketrank: { push(command: unknown[]): void } }).pocketrank.push([
          'status',
          (error: unknown, result: { experiments: Record<string, { arm: string }> }) =>
            error ? reject(error) : resolve(result),
        ]),
      );
      expect(status.experiments.lift!.arm).to.equal('control');
    } finally {
      frame.remove();
    }
  });
});
