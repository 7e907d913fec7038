// The privacy page: exactly what is stored in this browser, exactly what would leave it, and
// the switches: storage consent, federated opt-in, on-device personalization, forget.
import type { ContributionResult, Recommender } from 'pocketrank';
import { el } from './shop-data.js';

/** Demo-wide privacy switches (kept in memory: the demo itself stores nothing else). */
export const privacyState = { federated: false, lastContribution: undefined as ContributionResult | undefined };

export async function privacyPage(rec: Recommender, uploadSize: () => Promise<number>): Promise<Node[]> {
  const [data, status] = await Promise.all([rec.storedData(), rec.status()]);
  const panel = el('div', 'panel');
  const consent = el('input');
  consent.type = 'checkbox';
  consent.checked = data.consent === 'granted';
  consent.onchange = async () => {
    await rec.consent(consent.checked ? 'granted' : 'denied');
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  const fed = el('input');
  fed.type = 'checkbox';
  fed.checked = privacyState.federated;
  fed.onchange = () => (privacyState.federated = fed.checked);
  const personalize = el('button', '', 'Personalize the model on this device');
  const personalizeOut = el('span', 'hint');
  personalize.onclick = async () => {
    personalizeOut.textContent = ' training in the worker…';
    try {
      const r = await rec.personalize({ steps: 10, learningRate: 0.001 });
      personalizeOut.textContent =
        ` ${r.steps} steps in ${Math.round(r.durationMs)} ms, loss ` +
        `${r.lossBefore.toFixed(2)} → ${r.lossAfter.toFixed(2)}. Nothing left this browser.`;
    } catch (error) {
      personalizeOut.textContent = ` ${String(error)}`;
    }
  };
  const forget = el('button', '', 'Forget me on this device');
  forget.onclick = async () => {
    await rec.forget();
    dispatchEvent(new HashChangeEvent('hashchange'));
  };
  const label = (input: HTMLInputElement, text: string) => {
    const l = el('label');
    l.append(input, ` ${text}`);
    return el('p').appendChild(l).parentElement!;
  };
  panel.append(
    label(
      consent,
      'Remember my activity in this browser (IndexedDB). Off: nothing is written; recommendations use this page session only.',
    ),
    label(fed, 'Help improve the shop’s model with federated learning (sends only a masked, noised model update).'),
    el('p').appendChild(personalize).parentElement!,
    personalizeOut,
    el('p').appendChild(forget).parentElement!,
  );

  const stored = el('div', 'panel');
  const table = el('table');
  table.append(el('tr'));
  table.rows[0]!.append(el('th', '', '#'), el('th', '', 'event'), el('th', '', 'item / query'), el('th', '', 'time'));
  for (const e of data.events.slice(-50).reverse()) {
    const row = el('tr');
    row.append(
      el('td', 'mono', String(e.seq ?? '')),
      el('td', '', e.type),
      el('td', 'mono', e.itemId ?? e.query ?? ''),
      el('td', '', new Date(e.timestamp).toLocaleTimeString()),
    );
    table.append(row);
  }
  stored.append(
    el('h2', '', 'Stored on this device'),
    el(
      'p',
      'hint',
      `${data.events.length} events in IndexedDB "pocketrank-demo" (newest 50 shown)` +
        `${data.sessionOnly ? `, ${data.sessionOnly} more in memory only` : ''}; personalized weights: ` +
        `${data.personalized ? 'yes' : 'no'}; consent: ${data.consent}. Retention: 180 days or 5,000 events.`,
    ),
    table,
  );

  const leaving = el('div', 'panel');
  const encoderFloats = privacyState.federated ? await uploadSize() : 0;
  const kb = ((encoderFloats * 4) / 1024).toFixed(0);
  const last = privacyState.lastContribution;
  leaving.append(
    el('h2', '', 'What leaves this device'),
    el(
      'p',
      '',
      privacyState.federated
        ? `Per federated round: one masked vector of ${encoderFloats.toLocaleString()} numbers (${kb} KB) — ` +
            `this device’s model update, clipped to a fixed norm, with its share of Gaussian noise, plus ` +
            `pairwise masks that only cancel in the sum of all participants — and encrypted key shares. No events, no item ids, no history.`
        : 'Nothing. Recommendations are computed in this browser; the shop’s server only served the model files.',
    ),
    el(
      'p',
      'hint',
      last
        ? `Last contribution: round ${last.round ?? '-'}, ${last.phase ?? last.reason ?? ''}, ${last.uploadedBytes?.toLocaleString() ?? 0} bytes uploaded.`
        : 'No contribution from this browser yet.',
    ),
    el('p', 'hint', `Model ${status.model.id} v${status.model.version} on ${status.backend}.`),
  );
  return [el('h2', '', 'Privacy'), panel, stored, leaving];
}
