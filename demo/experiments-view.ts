// The A/B-test page: a live reporting day on the local federation server (six simulated
// shoppers, three per arm, each its own worker and database, report yesterday's counters
// through an analytics round), the server's published report, and the committed
// `npm run simulate -- --experiment` run plotted period by period against its known truth.
import { createRecommender, type CatalogItem, type Experiment, type Recommender } from 'pocketrank';
import { el, MODEL_URL, SIM_EXPERIMENT_URL } from './shop-data.js';
import { svgChart } from './svg-chart.js';

const EXPERIMENT = 'demo-lift';

/** What this page reads of the server's `GET /v1/experiments/:id` (protocol/responses.ts has it whole). */
interface ArmFigures {
  totals: { devices: number };
  conversion: number | null;
  ctr: number | null;
  revenuePerDevice?: number | null;
}
type Lift = { lift: number; low: number; high: number } | null;
interface ExperimentReport {
  arms: string[];
  control: string;
  devices: number;
  periods: unknown[];
  totals: Record<string, ArmFigures>;
  lifts: Record<string, Lift>;
  /** Only for an experiment that counts revenue (a `currency`, and a catalog with prices in it). */
  currency?: string;
  revenueLifts?: Record<string, Lift>;
  noiseSd: { converted: number };
  privacy: { epsilonPerPeriod: number; epsilon: number; delta: number };
}
const ARMS = ['control', 'personal'] as const;
const DAY = 86_400_000;

/** The experiment as a device of `arm` is configured (weights pin the arm, as a test shop would). */
const experimentFor = (arm: (typeof ARMS)[number]): Experiment[] => [
  {
    id: EXPERIMENT,
    arms: [
      { name: 'control', scenario: 'trending', weight: arm === 'control' ? 1 : 0 },
      { name: 'personal', weight: arm === 'personal' ? 1 : 0 },
    ],
  },
];

/** A uniform double in [0, 1) from WebCrypto (the demo's shoppers follow the house rule too). */
const uniform = () => crypto.getRandomValues(new Uint32Array(1))[0]! / 2 ** 32;

/** Yesterday's visit of one simulated shopper: its arm's list shown, maybe a click, a cart and a purchase. */
async function shopYesterday(peer: Recommender, items: CatalogItem[], buyRate: number): Promise<void> {
  const at = (Math.floor(Date.now() / DAY) - 1 + 0.5) * DAY;
  peer.track({ type: 'view', itemId: items[Math.floor(uniform() * 300)]!.id, timestamp: at });
  const list = await peer.recommend({ k: 8 });
  const context = { experiment: EXPERIMENT };
  list.forEach((r, i) => peer.track({ type: 'impression', itemId: r.itemId, timestamp: at + 1 + i, context }));
  if (uniform() < 0.5) peer.track({ type: 'click', itemId: list[0]!.itemId, timestamp: at + 20, context });
  if (uniform() < buyRate) {
    peer.track({ type: 'add_to_cart', itemId: list[0]!.itemId, timestamp: at + 30 });
    peer.track({ type: 'purchase', itemId: list[0]!.itemId, timestamp: at + 40 });
  }
}

async function reportDay(items: CatalogItem[], server: string, log: HTMLElement): Promise<void> {
  const popular = [...items].sort((a, b) => (b.popularity ?? 0) - (a.popularity ?? 0));
  const workerUrl = new URL('../dist/pocketrank.worker.js', location.href);
  log.textContent = 'Starting six simulated shoppers, three per arm (each its own worker and database)…';
  const peers = await Promise.all(
    [0, 1, 2, 3, 4, 5].map((i) =>
      createRecommender({
        model: MODEL_URL,
        catalog: items,
        dbName: `pocketrank-demo-ab-${i}`,
        consent: 'granted',
        workerUrl,
        experiments: experimentFor(ARMS[i % 2]!),
        federation: { server },
      }),
    ),
  );
  try {
    // The replay's only lever: personal lists sell twice as often as trending ones.
    await Promise.all(peers.map((p, i) => shopYesterday(p, popular, i % 2 ? 0.6 : 0.3)));
    log.textContent = 'Reporting: clipped counters, discrete noise, masking, secure aggregation…';
    const started = performance.now();
    const results = (await Promise.all(peers.map((p) => p.reportExperiments()))).flat();
    const done = results.filter((r) => r.phase === 'done').length;
    log.textContent =
      `Round ${results[0]?.round ?? '?'} finished in ${((performance.now() - started) / 1000).toFixed(1)} s: ` +
      `${done} devices' counters summed; the server saw only masked vectors and publishes the noisy sum.`;
  } finally {
    await Promise.all(peers.map(async (p) => (await p.forget(), await p.close())));
  }
}

const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(100 * v).toFixed(1)}%`);

const liftText = (lift: Lift | undefined) =>
  lift ? `${pct(lift.lift)} [${pct(lift.low)}, ${pct(lift.high)}]` : 'too few';

/** The server's report as a table: per arm devices, conversion and CTR, and the lift with its interval (and revenue, when counted). */
function reportTable(report: ExperimentReport): HTMLElement {
  const table = el('table');
  table.append(el('tr'));
  const revenue = report.currency ? [`revenue / device (${report.currency})`, 'revenue lift [95%]'] : [];
  for (const h of ['arm', 'devices (noisy)', 'conversion', 'CTR', 'lift over control [95%]', ...revenue])
    table.rows[0]!.append(el('th', '', h));
  for (const arm of report.arms) {
    const f = report.totals[arm]!;
    const control = arm === report.control;
    const row = el('tr');
    const perDevice = f.revenuePerDevice;
    for (const text of [
      arm,
      f.totals.devices.toFixed(1),
      pct(f.conversion),
      pct(f.ctr),
      control ? 'control' : liftText(report.lifts[arm]),
      ...(report.currency
        ? [perDevice == null ? '–' : perDevice.toFixed(2), control ? 'control' : liftText(report.revenueLifts?.[arm])]
        : []),
    ])
      row.append(el('td', '', text));
    table.append(row);
  }
  return table;
}

interface SimRun {
  truth: number;
  published: { lift: number; low: number; high: number } | null;
  covered: boolean;
}

/** Each simulated period's published lift and 95% interval, against the truth. */
function simChart(runs: SimRun[], truth: number): SVGSVGElement {
  const [w, h, pad] = [640, 240, 40];
  const { svg, add } = svgChart(w, h);
  const shown = runs.filter((r) => r.published);
  // Log scale of the ratio (1 + lift): the intervals are symmetric there.
  const logs = shown.flatMap((r) => [Math.log1p(r.published!.low), Math.log1p(r.published!.high)]);
  const [lo, hi] = [Math.min(...logs, 0) - 0.1, Math.max(...logs, Math.log1p(truth)) + 0.1];
  const y = (lift: number) => h - pad - ((Math.log1p(lift) - lo) / (hi - lo)) * (h - 2 * pad);
  const x = (i: number) => pad + ((i + 0.5) / runs.length) * (w - 2 * pad);
  add(
    'text',
    { x: 4, y: 14, 'font-size': 11 },
    'Published conversion lift per simulated period, 95% interval (log scale)',
  );
  add('line', { x1: pad, x2: w - pad, y1: y(truth), y2: y(truth), stroke: '#2ca02c', 'stroke-dasharray': '4 3' });
  add('text', { x: w - pad - 90, y: y(truth) - 4, 'font-size': 10, fill: '#2ca02c' }, `truth ${pct(truth)}`);
  add('line', { x1: pad, x2: w - pad, y1: y(0), y2: y(0), stroke: '#999' });
  add('text', { x: 2, y: y(0) + 3, 'font-size': 9, fill: '#999' }, 'no lift');
  runs.forEach((r, i) => {
    if (!r.published) return;
    const color = r.covered ? '#1f77b4' : '#d62728';
    add('line', {
      x1: x(i),
      x2: x(i),
      y1: y(r.published.low),
      y2: y(r.published.high),
      stroke: color,
      'stroke-width': 2,
    });
    add('circle', { cx: x(i), cy: y(r.published.lift), r: 3, fill: color });
  });
  add('text', { x: pad, y: h - 8, 'font-size': 10 }, `periods 1 to ${runs.length}`);
  return svg;
}

export async function experimentsPage(items: CatalogItem[], server: string): Promise<Node[]> {
  const live = el('div', 'panel');
  live.append(el('h2', '', 'A reporting day, live'));
  live.append(
    el(
      'p',
      'hint',
      `Six simulated shoppers (three see trending lists, three personal ones) report yesterday's counts of ` +
        `experiment "${EXPERIMENT}" to ${server}. Each device's counters are clipped, get their share of discrete ` +
        `Gaussian noise and are masked before they leave; the server publishes only the noisy sum. This page ` +
        `asks the server nothing until you press the button.`,
    ),
  );
  const run = el('button', 'primary', 'Report a simulated day');
  const log = el('p', 'hint');
  const result = el('div');
  const show = async () => {
    const base = server.endsWith('/') ? server : `${server}/`;
    const response = await fetch(new URL(`v1/experiments/${EXPERIMENT}`, base)).catch(() => undefined);
    if (!response?.ok) return void result.replaceChildren(el('p', 'hint', 'The server published nothing for it.'));
    const report = (await response.json()) as ExperimentReport;
    result.replaceChildren(
      reportTable(report),
      el(
        'p',
        'hint',
        `${report.devices} device-days over ${report.periods.length} period(s); ε ${report.privacy.epsilonPerPeriod.toFixed(2)} ` +
          `per period, ${report.privacy.epsilon.toFixed(2)} over all (δ ${report.privacy.delta.toExponential(1)}); ` +
          `noise sd on each arm's conversions ${report.noiseSd.converted.toFixed(1)}. Six devices are far too few ` +
          `to see a lift through that noise: the simulation below shows what thousands give.`,
      ),
    );
  };
  run.onclick = async () => {
    run.disabled = true;
    try {
      await reportDay(items, server, log);
      await show();
    } catch (error) {
      log.textContent = String(error);
    } finally {
      run.disabled = false;
    }
  };
  live.append(run, log, result);
  const sim = el('div', 'panel');
  try {
    const committed = (await (await fetch(SIM_EXPERIMENT_URL)).json()) as {
      population: { trueLift: number };
      coverage: number;
      options: { devices: number; epsilon: number };
      runs: SimRun[];
    };
    sim.append(
      el('h2', '', 'Simulation with a known truth (Amazon Beauty)'),
      simChart(committed.runs, committed.population.trueLift),
      el(
        'p',
        'hint',
        `From npm run simulate -- --experiment: ${committed.runs.length} periods of ${committed.options.devices.toLocaleString('en-US')} ` +
          `shoppers replayed on item-KNN (control) or the shipped model's lists, reporting through the real server ` +
          `at ε ${committed.options.epsilon} per period. The interval covered the true lift in ` +
          `${Math.round(100 * committed.coverage)}% of periods.`,
      ),
    );
  } catch {
    sim.append(
      el(
        'p',
        'hint',
        'No simulation result shipped; run npm run simulate -- --experiment --json experiments/results/experiment-lift.json.',
      ),
    );
  }
  return [el('h2', '', 'A/B tests without the events'), live, sim];
}
