import { builtinOf, DATA_PROCESS_TASK_TYPE } from '@apiary/contracts';
import { mergeDataProcessResults } from '@apiary/datasets';

/**
 * Fan-in reducers (seed 003 "result aggregation"): how the results of a batch's
 * tasks are merged, per handler type. Pure functions over the succeeded results.
 */

/** Merges the results of one batch. */
export type Reducer = (results: unknown[]) => unknown;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Generic merge: numeric fields are summed, arrays concatenated (up to 10,000
 * items), everything else counted. Chunk results of custom capabilities merge
 * this way unless a reducer is registered for their type.
 */
export const mergeReducer: Reducer = (results) => {
  const sums: Record<string, number> = {};
  const lists: Record<string, unknown[]> = {};
  for (const r of results) {
    if (!isRecord(r)) continue;
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'number' && Number.isFinite(v)) sums[k] = (sums[k] ?? 0) + v;
      else if (Array.isArray(v)) (lists[k] ??= []).push(...v.slice(0, Math.max(0, 10_000 - (lists[k]?.length ?? 0))));
    }
  }
  return { count: results.length, ...sums, ...lists };
};

/** `text.sentiment`: totals and means of the AFINN scores. */
export const sentimentReducer: Reducer = (results) => {
  let score = 0;
  let comparative = 0;
  let tokens = 0;
  let positive = 0;
  let n = 0;
  for (const r of results) {
    if (!isRecord(r) || typeof r.score !== 'number') continue;
    n++;
    score += r.score;
    comparative += typeof r.comparative === 'number' ? r.comparative : 0;
    tokens += typeof r.tokens === 'number' ? r.tokens : 0;
    if (r.score > 0) positive++;
  }
  return {
    count: n,
    score_sum: score,
    mean_score: n ? score / n : 0,
    mean_comparative: n ? comparative / n : 0,
    tokens,
    positive_share: n ? positive / n : 0,
  };
};

/** Reducer of each built-in type; others use {@link mergeReducer}. */
export const REDUCERS: Record<string, Reducer> = {
  noop: (results) => ({ count: results.length }),
  sleep: (results) => ({
    count: results.length,
    slept_ms: results.reduce<number>((s, r) => s + (isRecord(r) && typeof r.slept_ms === 'number' ? r.slept_ms : 0), 0),
  }),
  'text.sentiment': sentimentReducer,
  // Per-chunk statistics merged exactly (docs/datasets.md "Statistics and exact merges").
  [DATA_PROCESS_TASK_TYPE]: mergeDataProcessResults,
};

/** @returns the reducer of a task type (an alias's is its built-in's) */
export function reducerFor(type: string): Reducer {
  return REDUCERS[builtinOf(type) ?? type] ?? REDUCERS[type] ?? mergeReducer;
}
