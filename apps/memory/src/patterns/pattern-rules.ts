import {
  HourPattern,
  ParameterPattern,
  ParameterPatterns,
  ServicePattern,
  TASK_PARAM_MARKERS,
  taskParamsDigest,
} from '@apiary/contracts';
import type { MemoryStatRow, ParamsSample } from '@apiary/persistence';
import { round3, WindowSummary } from '../stats/stat-window';

/** Results a parameter feature must appear in to be reported. */
export const MIN_FEATURE_SUPPORT = 5;
/** Features reported per list (succeeding, failing). */
export const FEATURES_PER_LIST = 10;

/** Rounds a rate to 4 decimals. */
export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * "Which services succeed" (seed 002 "Success Rates: which services succeed for
 * which tasks"): each service's window summary, highest success rate first, then
 * most calls, then name.
 * @param summaries per-service window summaries of one task type
 */
export function servicePatterns(summaries: WindowSummary[]): ServicePattern[] {
  return summaries
    .filter((s) => s.count > 0)
    .map((s) => ({
      service: s.service,
      count: s.count,
      successes: s.successes,
      failures: s.failures,
      success_rate: round4(s.successes / s.count),
      mean_latency_ms: round3(s.latency_sum_ms / s.count),
      p50_ms: s.hist.quantileMs(50) ?? 0,
      p95_ms: s.hist.quantileMs(95) ?? 0,
      p99_ms: s.hist.quantileMs(99) ?? 0,
    }))
    .sort((a, b) => b.success_rate - a.success_rate || b.count - a.count || cmp(a.service, b.service));
}

/**
 * "Which times of day succeed": the task type's results per hour of the day (UTC)
 * of their bucket, summed over the window's rows.
 * @param rows the type's rows (service `*`) of the window
 * @returns hours with results, 0..23
 */
export function hourPatterns(rows: MemoryStatRow[]): HourPattern[] {
  const hours = new Map<number, { count: number; successes: number }>();
  for (const row of rows) {
    if (row.count <= 0) continue;
    const hour = row.bucket.getUTCHours();
    const h = hours.get(hour) ?? { count: 0, successes: 0 };
    h.count += row.count;
    h.successes += row.successes;
    hours.set(hour, h);
  }
  return [...hours.entries()]
    .sort(([a], [b]) => a - b)
    .map(([hour, h]) => ({ hour, count: h.count, successes: h.successes, success_rate: round4(h.successes / h.count) }));
}

const MARKERS = new Set<unknown>(TASK_PARAM_MARKERS);

/**
 * "Which parameters succeed" (seed 002 "Best Practices: patterns that lead to
 * success"), from a bounded sample of recent results (cost O(sample × 32)):
 * - each result whose completion carried a parameter digest (bounded again with
 *   `taskParamsDigest`: ≤ 16 keys) yields, per key, the feature `present` and, when
 *   the value is a scalar kept verbatim, the feature `equals` (key = value);
 * - a feature seen in at least {@link MIN_FEATURE_SUPPORT} results gets its success
 *   rate and its lift = its success rate − the success rate of all results with a
 *   digest (a key present in every result has lift 0 and is not reported);
 * - `succeeding`: lift > 0, highest first; `failing`: lift < 0, lowest first; ties by
 *   more results, then key; at most {@link FEATURES_PER_LIST} each.
 * @param sample outcomes and digests of the newest results of the type
 */
export function parameterPatterns(sample: ParamsSample[]): ParameterPatterns {
  const features = new Map<string, ParameterPattern>();
  let withParams = 0;
  let successes = 0;
  for (const r of sample) {
    const params = taskParamsDigest(r.params);
    if (!params) continue;
    withParams += 1;
    if (r.success) successes += 1;
    for (const [key, value] of Object.entries(params)) {
      count(features, key, 'present', null, r.success);
      if (!MARKERS.has(value)) count(features, key, 'equals', value, r.success);
    }
  }
  const base = withParams > 0 ? successes / withParams : 0;
  const rated = [...features.values()]
    .filter((f) => f.results >= MIN_FEATURE_SUPPORT)
    .map((f) => {
      const rate = f.successes / f.results;
      return { ...f, success_rate: round4(rate), lift: round4(rate - base) };
    });
  const tie = (a: ParameterPattern, b: ParameterPattern) =>
    b.results - a.results || cmp(a.key, b.key) || cmp(a.match, b.match) || cmp(String(a.value), String(b.value));
  return {
    sampled: sample.length,
    with_params: withParams,
    success_rate: withParams > 0 ? round4(base) : null,
    succeeding: rated.filter((f) => f.lift > 0).sort((a, b) => b.lift - a.lift || tie(a, b)).slice(0, FEATURES_PER_LIST),
    failing: rated.filter((f) => f.lift < 0).sort((a, b) => a.lift - b.lift || tie(a, b)).slice(0, FEATURES_PER_LIST),
  };
}

function count(
  features: Map<string, ParameterPattern>,
  key: string,
  match: 'present' | 'equals',
  value: string | number | boolean | null,
  success: boolean,
): void {
  const id = JSON.stringify([key, match, value]);
  let f = features.get(id);
  if (!f) {
    f = { key, match, value, results: 0, successes: 0, success_rate: 0, lift: 0 };
    features.set(id, f);
  }
  f.results += 1;
  if (success) f.successes += 1;
}
