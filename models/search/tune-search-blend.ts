import { readFile, writeFile } from 'node:fs/promises';
import type { EvalCase } from '../data/leave-one-out.js';
import { searchEval, type SearchReport, type SearchRows } from '../eval/search-eval.js';
import type { SasrecEncoder } from '../sasrec/sasrec-encoder.js';
import type { CatalogIndex } from './catalog-index.js';
import type { SearchBlend } from './search-blend.js';

/** Weights tried for the shopper's model score (standardized), in search and in rerank. */
export const PERSONAL_GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3] as const;
/** Weights tried for log popularity (standardized). */
export const POPULARITY_GRID = [0, 0.05, 0.1, 0.2, 0.3, 0.5] as const;

/** The blend chosen, with the validation measurements it was chosen on. */
export interface TunedBlend {
  blend: SearchBlend;
  /** NDCG@10 on validation: lexical alone, the chosen search blend, the shop's order, the chosen rerank. */
  valid: { users: number; lexical: number; personalized: number; shopOrder: number; reranked: number };
}

/**
 * Chooses the search and rerank blends on validation users (their queries made from their
 * validation item's title): the grid point with the best NDCG@10, ties to the smaller weights.
 */
export async function tuneSearchBlend(
  encoder: SasrecEncoder,
  index: CatalogIndex,
  rows: SearchRows,
  validCases: readonly EvalCase[],
  seed = 1,
): Promise<TunedBlend> {
  const search = PERSONAL_GRID.flatMap((personal) =>
    POPULARITY_GRID.map((popularity) => ({ personal, popularity, rerank: 0 })),
  );
  const rerank = PERSONAL_GRID.map((w) => ({ personal: 0, popularity: 0, rerank: w }));
  const report: SearchReport = await searchEval(encoder, index, rows, validCases, [...search, ...rerank], seed);
  const ndcg = (m: Record<string, number>) => m['NDCG@10']!;
  let best = 0;
  search.forEach((_, j) => ndcg(report.personalized[j]!) > ndcg(report.personalized[best]!) && (best = j));
  let bestRerank = 0;
  rerank.forEach((_, j) => {
    const at = search.length + j;
    if (ndcg(report.reranked[at]!) > ndcg(report.reranked[search.length + bestRerank]!)) bestRerank = j;
  });
  return {
    blend: { ...search[best]!, rerank: rerank[bestRerank]!.rerank },
    valid: {
      users: report.users,
      lexical: ndcg(report.lexical),
      personalized: ndcg(report.personalized[best]!),
      shopOrder: ndcg(report.shopOrder),
      reranked: ndcg(report.reranked[search.length + bestRerank]!),
    },
  };
}

/** Writes the blend into model.json (`userDefinedMetadata.pocketrank.search`). */
export async function shipSearchBlend(modelJson: string, blend: SearchBlend): Promise<void> {
  const json = JSON.parse(await readFile(modelJson, 'utf8')) as {
    userDefinedMetadata: { pocketrank: Record<string, unknown> };
  };
  json.userDefinedMetadata.pocketrank.search = blend;
  await writeFile(modelJson, JSON.stringify(json));
}
