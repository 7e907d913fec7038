import type { CounterLayout } from '../../protocol/analytics/counter-vector.js';

/** The counter layout a stored analytics round or release sums: its arms (JSON) and its currency, if any. */
export function rowLayout(row: { arms: string | null; currency: string | null }): CounterLayout {
  return { arms: JSON.parse(row.arms ?? '[]') as string[], ...(row.currency && { currency: row.currency }) };
}
