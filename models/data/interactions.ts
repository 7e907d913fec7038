import { readFile } from 'node:fs/promises';

/** Interaction sequences with items mapped to dense table rows (1-based; 0 is padding). */
export interface Interactions {
  /** Original user id of each sequence. */
  users: string[];
  /** Per user, item rows in time order. */
  sequences: number[][];
  /** Original id of every row: `itemIds[row - 1]`. */
  itemIds: string[];
}

class RowMap {
  readonly ids: string[] = [];
  private readonly rows = new Map<string, number>();
  row(id: string): number {
    let row = this.rows.get(id);
    if (row === undefined) {
      this.ids.push(id);
      row = this.ids.length;
      this.rows.set(id, row);
    }
    return row;
  }
}

/**
 * Parses the Beauty format: one line per user, `user item item ...` in time order. Numeric item
 * ids keep their numeric order as rows, so row i is dataset item i when ids are 1..N.
 */
export function parseSequenceFile(text: string): Interactions {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const parsed = lines.map((line, n) => {
    const [user, ...items] = line.split(/\s+/);
    if (!user || items.length === 0) throw new Error(`line ${n + 1}: expected "user item item ..."`);
    return { user, items };
  });
  const distinct = [...new Set(parsed.flatMap((p) => p.items))];
  const numeric = distinct.every((id) => /^\d+$/.test(id));
  distinct.sort(numeric ? (a, b) => Number(a) - Number(b) : undefined);
  const map = new RowMap();
  for (const id of distinct) map.row(id);
  return {
    users: parsed.map((p) => p.user),
    sequences: parsed.map((p) => p.items.map((id) => map.row(id))),
    itemIds: map.ids,
  };
}

/**
 * Parses a shop's CSV export: `user_id,item_id,timestamp[,event_type]` with a header line.
 * Rows are grouped per user and ordered by timestamp (ties keep file order). Timestamps may be
 * epoch seconds, epoch milliseconds or ISO-8601.
 */
export function parseInteractionCsv(text: string): Interactions {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header =
    lines
      .shift()
      ?.toLowerCase()
      .split(',')
      .map((h) => h.trim()) ?? [];
  const col = (name: string) => header.indexOf(name);
  const [u, i, t] = [col('user_id'), col('item_id'), col('timestamp')];
  if (u < 0 || i < 0 || t < 0) throw new Error('CSV header must name user_id, item_id and timestamp');
  const byUser = new Map<string, { item: string; time: number; order: number }[]>();
  lines.forEach((line, n) => {
    const cells = line.split(',').map((c) => c.trim());
    const [user, item, rawTime] = [cells[u], cells[i], cells[t]];
    if (!user || !item || !rawTime) throw new Error(`CSV line ${n + 2}: missing user_id, item_id or timestamp`);
    const time = /^\d+(\.\d+)?$/.test(rawTime) ? Number(rawTime) : Date.parse(rawTime);
    if (!Number.isFinite(time)) throw new Error(`CSV line ${n + 2}: unreadable timestamp "${rawTime}"`);
    let list = byUser.get(user);
    if (!list) byUser.set(user, (list = []));
    list.push({ item, time, order: n });
  });
  const map = new RowMap();
  const users: string[] = [];
  const sequences: number[][] = [];
  for (const [user, list] of byUser) {
    list.sort((a, b) => a.time - b.time || a.order - b.order);
    users.push(user);
    sequences.push(list.map((e) => map.row(e.item)));
  }
  return { users, sequences, itemIds: map.ids };
}

/** Reads a data file, choosing the parser by extension (`.csv`) or content. */
export async function loadInteractions(path: string): Promise<Interactions> {
  const text = await readFile(path, 'utf8');
  return path.toLowerCase().endsWith('.csv') || /^user_id,/i.test(text)
    ? parseInteractionCsv(text)
    : parseSequenceFile(text);
}
