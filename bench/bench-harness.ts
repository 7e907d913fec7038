// Shared pieces of `npm run bench`: statistics, the bench page, repeated runs, the result table.
import type { Browser, Page } from 'playwright';

/** Repeats per measurement (BENCH_REPEATS, default 5). */
export const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);

export type BenchApi = Record<string, (...args: never[]) => Promise<Record<string, number | string>>>;

/** One row of the printed table. */
export interface Row {
  metric: string;
  value: string;
  baseline: string;
  ratio: string;
  target: string;
  pass?: boolean;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
export const spread = (xs: number[]): string => `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;

/** Opens the bench page and waits until its functions are ready. */
export async function openBench(browser: Browser, url: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(`${url}/bench/pages/bench.html`);
  await page.waitForFunction(() => document.title === 'bench ready');
  return page;
}

/** Calls one bench-page function with arguments. */
export async function call<T extends Record<string, number | string>>(
  page: Page,
  name: string,
  ...args: unknown[]
): Promise<T> {
  return page.evaluate(
    ([n, a]) =>
      ((window as unknown as { bench: BenchApi }).bench[n as string]! as (...x: unknown[]) => Promise<T>)(
        ...(a as unknown[]),
      ),
    [name, args] as const,
  ) as Promise<T>;
}

/** Runs a bench-page function REPEATS times, each in a fresh page. */
export async function repeated<T extends Record<string, number | string>>(
  browser: Browser,
  url: string,
  name: string,
  ...args: unknown[]
): Promise<T[]> {
  const out: T[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const page = await openBench(browser, url);
    try {
      out.push(await call<T>(page, name, ...args));
    } finally {
      await page.close();
    }
    process.stderr.write('.');
  }
  return out;
}

/** The table as Markdown. */
export function markdownTable(rows: readonly Row[]): string {
  const header = ['metric', 'pocketrank', 'baseline (same run)', 'ratio', 'target', ''];
  const table = [
    header,
    ...rows.map((r) => [
      r.metric,
      r.value,
      r.baseline,
      r.ratio,
      r.target,
      r.pass === undefined ? '' : r.pass ? 'ok' : 'MISS',
    ]),
  ];
  return table
    .map((cells, i) => `| ${cells.join(' | ')} |${i === 0 ? `\n|${cells.map(() => ' --- ').join('|')}|` : ''}`)
    .join('\n');
}
