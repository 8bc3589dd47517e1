import { ServiceStat } from '@apiary/contracts';
import { ErrorPatternCounter, LatencyHistogram, MemoryStatRow } from '@apiary/persistence';

/** Bucket rows of one key (task type, service) merged over a window. */
export interface WindowSummary {
  task_type: string;
  service: string;
  count: number;
  successes: number;
  failures: number;
  latency_sum_ms: number;
  last_at: Date;
  /** Latencies of the whole window (the rows' histograms merged). */
  hist: LatencyHistogram;
  /** Error patterns of the whole window (the rows' top lists summed). */
  errors: ErrorPatternCounter;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Merges bucket rows per (task type, service): counts and latency sums added, HDR
 * histograms merged (exact: quantiles of the merge are those of all samples, to the
 * histogram's 1 %), error patterns summed. A row whose histogram cannot be decoded
 * still counts; its latencies are missing from the quantiles.
 * @param rows rows of a window (any order, any mix of minute and hour rows that do not overlap)
 * @returns one summary per key with at least one result, by task type then service
 */
export function summariseRows(rows: MemoryStatRow[]): WindowSummary[] {
  const byKey = new Map<string, WindowSummary>();
  for (const row of rows) {
    if (row.count <= 0) continue;
    const key = `${row.task_type}\u0000${row.service}`;
    let s = byKey.get(key);
    if (!s) {
      s = {
        task_type: row.task_type, service: row.service, count: 0, successes: 0, failures: 0, latency_sum_ms: 0,
        last_at: row.last_at, hist: LatencyHistogram.empty(), errors: new ErrorPatternCounter(),
      };
      byKey.set(key, s);
    }
    s.count += row.count;
    s.successes += row.successes;
    s.failures += row.failures;
    s.latency_sum_ms += row.latency_sum_ms;
    if (row.last_at > s.last_at) s.last_at = row.last_at;
    try {
      s.hist.merge(LatencyHistogram.decode(row.latency_hist));
    } catch {
      // counted above; the quantiles lack this row's latencies
    }
    s.errors.addAll(row.errors);
  }
  return [...byKey.values()].sort((a, b) => cmp(a.task_type, b.task_type) || cmp(a.service, b.service));
}

/** Rounds to 0.001. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/**
 * A summary as the contract's {@link ServiceStat}.
 * @param detail add p50/p95/p99 (ms) and the top `errorPatterns` error patterns
 */
export function toServiceStat(s: WindowSummary, detail: boolean, errorPatterns = 5): ServiceStat {
  const stat: ServiceStat = {
    task_type: s.task_type,
    service: s.service,
    count: s.count,
    successes: s.successes,
    failures: s.failures,
    mean_latency_ms: round3(s.latency_sum_ms / s.count),
    last_at: s.last_at.toISOString(),
  };
  if (!detail) return stat;
  return {
    ...stat,
    p50_ms: s.hist.quantileMs(50),
    p95_ms: s.hist.quantileMs(95),
    p99_ms: s.hist.quantileMs(99),
    error_patterns: s.errors.top(errorPatterns),
  };
}
