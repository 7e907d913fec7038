// The federated-learning page: the local federation server's state, a button that runs a real
// round (this browser plus three simulated shoppers in their own workers and databases), and
// NDCG@10 per round from the committed `npm run simulate` run.
import { createRecommender, type CatalogItem, type FederationPrivacy, type Recommender } from 'pocketrank';
import { privacyState } from './privacy-view.js';
import { el, MODEL_URL, SIM_DP_URL, SIM_POOL_URL, SIM_RESULT_URL } from './shop-data.js';
import { svgChart } from './svg-chart.js';

interface SimResult {
  pretrained: { 'NDCG@10': number };
  centralized: { 'NDCG@10': number };
  federated: { perRound: number[] };
  federated_dp: { perRound: number[]; epsilon: number; clients?: number; evaluatedRounds?: number[] };
  evaluatedRounds?: number[];
  settings: { clients: number };
}

function chart(sim: SimResult): SVGSVGElement {
  // x is client updates (rounds x cohort): the DP run trades rounds for larger cohorts.
  const updates = (values: number[], rounds: number[] | undefined, cohort: number) =>
    values.map((_, i) => (rounds?.[i] ?? i + 1) * cohort);
  const dp = sim.federated_dp;
  const series = [
    {
      name: 'federated',
      color: '#1f77b4',
      values: sim.federated.perRound,
      at: updates(sim.federated.perRound, sim.evaluatedRounds, sim.settings.clients),
    },
    {
      name: `federated + DP (ε ${dp.epsilon.toFixed(1)})`,
      color: '#b0466b',
      values: dp.perRound,
      at: updates(dp.perRound, dp.evaluatedRounds ?? sim.evaluatedRounds, dp.clients ?? sim.settings.clients),
    },
  ];
  const lines = [
    { name: 'pretrained', color: '#999', value: sim.pretrained['NDCG@10'] },
    { name: 'centralized', color: '#2ca02c', value: sim.centralized['NDCG@10'] },
  ];
  const all = [...series.flatMap((s) => s.values), ...lines.map((l) => l.value)];
  const [lo, hi] = [Math.min(...all) * 0.98, Math.max(...all) * 1.02];
  const [w, h, pad] = [640, 260, 40];
  const most = Math.max(1, ...series.flatMap((s) => s.at));
  const x = (at: number) => pad + (at / most) * (w - 2 * pad);
  const y = (v: number) => h - pad - ((v - lo) / (hi - lo)) * (h - 2 * pad);
  const { svg, add } = svgChart(w, h);
  add(
    'text',
    { x: 4, y: 14, 'font-size': 11 },
    `NDCG@10 on federated shoppers’ test items, by client updates (0 to ${most.toLocaleString('en-US')})`,
  );
  lines.forEach((l, i) => {
    add('line', { x1: pad, x2: w - pad, y1: y(l.value), y2: y(l.value), stroke: l.color, 'stroke-dasharray': '4 3' });
    add(
      'text',
      { x: w - pad - 150, y: y(l.value) - 4 - i * 2, 'font-size': 10, fill: l.color },
      `${l.name} ${l.value.toFixed(4)}`,
    );
  });
  series.forEach((s, i) => {
    add('polyline', {
      fill: 'none',
      stroke: s.color,
      'stroke-width': 2,
      points: s.values.map((v, j) => `${x(s.at[j]!)},${y(v)}`).join(' '),
    });
    add('text', { x: pad + 4, y: h - 8 - i * 12, 'font-size': 10, fill: s.color }, s.name);
  });
  return svg;
}

async function runRound(rec: Recommender, items: CatalogItem[], server: string, log: HTMLElement): Promise<void> {
  const popular = [...items].sort((a, b) => (b.popularity ?? 0) - (a.popularity ?? 0)).slice(0, 300);
  const workerUrl = new URL('../dist/pocketrank.worker.js', location.href);
  log.textContent = 'Starting three simulated shoppers (each its own worker and database)…';
  const peers = await Promise.all(
    [1, 2, 3].map((i) =>
      createRecommender({
        model: MODEL_URL,
        catalog: items,
        dbName: `pocketrank-demo-peer-${i}`,
        workerUrl,
        federation: { server, minNewEvents: 1 },
      }),
    ),
  );
  try {
    for (const peer of peers)
      for (let j = 0; j < 8; j++)
        peer.track({ type: 'view', itemId: popular[Math.floor(Math.random() * popular.length)]!.id });
    log.textContent = 'Round running: local training, clipping, noise, masking, secure aggregation…';
    const started = performance.now();
    const [mine, ...theirs] = await Promise.all([rec.contribute(), ...peers.map((p) => p.contribute())]);
    privacyState.lastContribution = mine;
    const done = theirs.filter((r) => r.phase === 'done').length + (mine.phase === 'done' ? 1 : 0);
    log.textContent =
      `Round ${theirs[0]?.round ?? '?'} finished in ` +
      `${((performance.now() - started) / 1000).toFixed(1)} s: ${done} updates aggregated. This browser: ` +
      `${mine.participated ? `uploaded ${mine.uploadedBytes?.toLocaleString()} masked bytes` : `did not take part (${mine.reason})`}.`;
  } finally {
    await Promise.all(peers.map(async (p) => (await p.forget(), await p.close())));
  }
}

/** The federation panel's header: what this browser knows of the server's privacy report. */
function serverLine(server: string, fed: FederationPrivacy | undefined): string {
  if (!fed) return `${server}: not contacted yet. This browser asks it nothing until you take part in a round.`;
  if (fed.error) return `Not reachable at ${server} (${fed.error}). npm start runs one on port 8787.`;
  const epsilon = fed.epsilon === null ? '∞ (no DP noise)' : fed.epsilon.toFixed(2);
  return (
    `${server}: ${fed.rounds} rounds so far, ε spent ${epsilon}${fed.budget ? ` of ${fed.budget}` : ''}, ` +
    `δ ${fed.delta.toExponential(1)}, noise multiplier ${fed.noiseMultiplier}.`
  );
}

export async function federationPage(rec: Recommender, items: CatalogItem[], server: string): Promise<Node[]> {
  const panel = el('div', 'panel');
  const fed = (await rec.status()).federation;
  const header = el('p', 'hint', serverLine(server, fed));
  panel.append(el('h2', '', 'Federation server'), header);
  const run = el('button', 'primary', 'Run a federated round now');
  const log = el('p', 'hint');
  run.disabled = !privacyState.federated || Boolean(fed?.error);
  if (!privacyState.federated) log.textContent = 'Opt in on the Privacy page first.';
  run.onclick = async () => {
    run.disabled = true;
    try {
      await runRound(rec, items, server, log);
      // What the server reports now, after this round (rounds, epsilon, model version moved).
      header.textContent = serverLine(server, (await rec.status()).federation);
    } catch (error) {
      log.textContent = String(error);
    } finally {
      run.disabled = false;
    }
  };
  panel.append(run, log);
  const simPanel = el('div', 'panel');
  try {
    const json = async <T>(url: string) => (await (await fetch(url)).json()) as T;
    const [sim, dp, pool] = await Promise.all([
      json<SimResult>(SIM_RESULT_URL),
      json<Pick<SimResult, 'federated_dp'>>(SIM_DP_URL),
      json<{ seeds: unknown[]; federatedShare: number; federatedDpShare: number }>(SIM_POOL_URL),
    ]);
    const pct = (share: number) => `${Math.round(share * 100)}%`;
    simPanel.append(
      el('h2', '', 'What federation buys (simulation on Amazon Beauty)'),
      // The DP line is the run the model card reports (every federated shopper in each of three rounds).
      chart({ ...sim, federated_dp: dp.federated_dp }),
      el(
        'p',
        'hint',
        `From npm run simulate, seed 1: pretrained on half of the shoppers, federated over the other half ` +
          `through the real server and secure aggregation. Pooled over ${pool.seeds.length} seeds, federated ` +
          `fine-tuning keeps ${pct(pool.federatedShare)} of the centralized gain without DP and ` +
          `${pct(pool.federatedDpShare)} with DP at ε = 8 (the model card has every seed).`,
      ),
    );
  } catch {
    simPanel.append(
      el(
        'p',
        'hint',
        'No simulation result shipped; run npm run simulate -- --json experiments/results/federated.json.',
      ),
    );
  }
  return [el('h2', '', 'Federated learning'), panel, simPanel];
}
