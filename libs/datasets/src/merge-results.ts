import type { DataProcessResult } from '@apiary/contracts';
import { ColumnAccumulator, SentimentAccumulator } from './column-stats';
import type { DataProcessMergeState } from './pipeline';
import { SAMPLE_ROWS } from './pipeline';

/**
 * Fan-in of `data.process` results (docs/datasets.md "Statistics and exact merges"):
 * the results of a swarm batch's chunks merged into the result one task over all
 * their rows would give — `rows_in`, `rows_out`, every count, minimum, maximum,
 * distinct count and p50 exactly, mean and standard deviation up to rounding. The
 * merged result has `chunks` and no `merge_state`.
 */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function isResult(v: unknown): v is DataProcessResult {
  return isRecord(v) && typeof v.rows_in === 'number' && isRecord(v.row_range) && Array.isArray(v.operations);
}

/**
 * @param results the succeeded results of a batch (anything else is skipped)
 * @returns the merged result, or `{ count: 0 }` when no result is a `data.process` result
 * @throws Error when two chunks carry different types for one column (results of different datasets)
 */
export function mergeDataProcessResults(results: unknown[]): DataProcessResult | { count: 0 } {
  const chunks = results.filter(isResult).sort((a, b) => a.row_range.start - b.row_range.start);
  if (chunks.length === 0) return { count: 0 };
  const first = chunks[0];
  const columns = new Map<string, ColumnAccumulator>();
  let sentiment: SentimentAccumulator | undefined;
  const sample: DataProcessResult['sample'] = [];
  let rowsIn = 0;
  let rowsOut = 0;
  let start = Number.POSITIVE_INFINITY;
  let end = 0;
  for (const r of chunks) {
    rowsIn += r.rows_in;
    rowsOut += r.rows_out;
    start = Math.min(start, r.row_range.start);
    end = Math.max(end, r.row_range.end);
    for (const row of r.sample ?? []) if (sample.length < SAMPLE_ROWS) sample.push(row);
    const state = (r.merge_state ?? {}) as DataProcessMergeState;
    for (const [name, s] of Object.entries(state.columns ?? {})) {
      const acc = ColumnAccumulator.fromState(s);
      const into = columns.get(name);
      if (into) into.merge(acc);
      else columns.set(name, acc);
    }
    if (state.sentiment) {
      const acc = SentimentAccumulator.fromState(state.sentiment);
      if (sentiment) sentiment.merge(acc);
      else sentiment = acc;
    }
  }
  const merged: DataProcessResult = {
    dataset_id: first.dataset_id,
    dataset: first.dataset,
    row_range: { start, end },
    operations: first.operations,
    rows_in: rowsIn,
    rows_out: rowsOut,
    columns: first.columns,
    analysis_type: first.analysis_type,
    sample,
    chunks: chunks.length,
  };
  if (columns.size > 0) {
    merged.statistics = Object.fromEntries([...columns].map(([name, acc]) => [name, acc.statistics()]));
    merged.methods = first.methods;
  }
  if (sentiment) merged.sentiment = sentiment.statistics();
  return merged;
}
