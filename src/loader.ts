/**
 * The script-tag loader (dist/pocketrank.loader.js, a few KB): paste once, configure with
 * `data-` attributes, call through the `window.pocketrank` command queue before or after it
 * arrives. It loads the SDK bundle beside it with a pinned Subresource Integrity hash, starts the
 * worker (through a blob wrapper when served from another origin) and defines `<pocketrank-recs>`.
 *
 *   <script>window.pocketrank = window.pocketrank || []; pocketrank.push(['track', { type: 'view', itemId: 'sku-1' }]);</script>
 *   <script async src="https://cdn.example/pocketrank@0.1.0/dist/pocketrank.loader.js" integrity="sha384-…" crossorigin="anonymous"
 *     data-model="https://shop.example/model/model.json"></script>
 */
import type * as Sdk from './index.js';
import type { Recommender } from '../contract/recommender.js';

declare const __SDK_FILE__: string;
declare const __SDK_INTEGRITY__: string;

/** A queued call: `[name, ...args]`; a trailing function receives `(error, result)`. */
type Command = [string, ...unknown[]];
type Callback = (error: unknown, result?: unknown) => void;

/** What the queue may call: the Recommender's public methods (not close: the page owns the SDK's life). */
const COMMANDS = [
  'track',
  'recommend',
  'flush',
  'status',
  'personalize',
  'contribute',
  'reportExperiments',
  'consent',
  'forget',
  'storedData',
  'setStock',
  'upsertItems',
  'search',
  'rerank',
] as const satisfies readonly (keyof Recommender)[];

const script = document.currentScript as HTMLScriptElement;
const base = new URL('./', script.src);
const data = script.dataset;
const w = window as unknown as { pocketrank?: Command[] | { push(c: Command): void }; Pocketrank?: typeof Sdk };
const queued: Command[] = Array.isArray(w.pocketrank) ? w.pocketrank : [];

function run(sdk: typeof Sdk, rec: Recommender, command: unknown): void {
  if (!Array.isArray(command) || typeof command[0] !== 'string') {
    const error = new sdk.PocketrankError('invalid_argument', 'a pocketrank command is an array: [name, ...args]');
    const last: unknown = Array.isArray(command) ? command[command.length - 1] : undefined;
    return typeof last === 'function' ? (last as Callback)(error) : console.error('[pocketrank]', error.message);
  }
  const [name, ...args] = command as Command;
  const callback = typeof args[args.length - 1] === 'function' ? (args.pop() as Callback) : undefined;
  const report = (error: unknown) => (callback ? callback(error) : console.error(`[pocketrank] ${name} failed`, error));
  if (name === 'ready') return callback?.(null, rec);
  if (!(COMMANDS as readonly string[]).includes(name))
    return report(
      new sdk.PocketrankError(
        'invalid_argument',
        `unknown pocketrank command "${name}"; commands: ready, ${COMMANDS.join(', ')}`,
      ),
    );
  try {
    const method = rec[name as (typeof COMMANDS)[number]] as (...a: unknown[]) => unknown;
    Promise.resolve(method.apply(rec, args)).then((result) => callback?.(null, result), report);
  } catch (error) {
    report(error);
  }
}

/** `data-experiments`: the experiments as JSON, checked by the SDK like `options.experiments`. */
function experiments(sdk: typeof Sdk): Sdk.Experiment[] | undefined {
  if (data.experiments === undefined) return undefined;
  try {
    return JSON.parse(data.experiments) as Sdk.Experiment[];
  } catch (error) {
    throw new sdk.PocketrankError('invalid_argument', `data-experiments must be JSON: ${String(error)}`);
  }
}

async function start(): Promise<void> {
  const sdk = w.Pocketrank!;
  const rec = await sdk.createRecommender({
    ...(data.experiments !== undefined && { experiments: experiments(sdk) }),
    model: new URL(data.model ?? 'model.json', location.href),
    ...(data.catalog && { catalog: data.catalog }),
    ...(data.firstList && { firstList: data.firstList }),
    ...(data.backend && { backend: data.backend as Sdk.BackendPreference }),
    ...(data.db && { dbName: data.db }),
    ...(data.consent && { consent: data.consent as Sdk.ConsentState }),
    ...(data.federation && {
      federation: { server: data.federation, ...(data.ticketUrl && { ticketUrl: data.ticketUrl }) },
    }),
    workerUrl: new URL('pocketrank.worker.js', base),
  });
  sdk.defineRecsElement(rec);
  sdk.defineSearchElement(rec);
  w.pocketrank = { push: (command: Command) => run(sdk, rec, command) };
  for (const command of queued.splice(0)) run(sdk, rec, command);
}

// The first list is the first card's only data: fetched now, beside the SDK, instead of after it
// (one round trip less on a first visit). The SDK's own fetch of it takes the preloaded response.
if (data.firstList)
  document.head.append(
    Object.assign(document.createElement('link'), {
      rel: 'preload',
      as: 'fetch',
      crossOrigin: 'anonymous',
      href: new URL(data.firstList, location.href).href,
    }),
  );

const sdkScript = Object.assign(document.createElement('script'), {
  src: new URL(__SDK_FILE__, base).href,
  integrity: __SDK_INTEGRITY__,
  crossOrigin: 'anonymous',
});
// A failed start answers every queued and later callback with the error instead of leaving them hanging.
const fail = (error: unknown) => {
  console.error('[pocketrank] could not start', error);
  const answer = (command: Command) => {
    const last = command[command.length - 1];
    if (typeof last === 'function') (last as Callback)(error);
  };
  queued.splice(0).forEach(answer);
  w.pocketrank = { push: answer };
};
sdkScript.onload = () => start().catch(fail);
sdkScript.onerror = () =>
  fail(new Error(`could not load ${sdkScript.src} (network, or its integrity hash did not match)`));
document.head.append(sdkScript);
