import { PatternsRequest, TaskPatterns } from '@apiary/contracts';
import type { MemoryStatsRepository, TaskResultRepository } from '@apiary/persistence';
import { round3, summariseRows } from '../stats/stat-window';
import { hourPatterns, parameterPatterns, round4, servicePatterns } from './pattern-rules';

/** Window of a patterns request without `window_s`, seconds (7 days: every hour of the day is seen). */
export const DEFAULT_PATTERNS_WINDOW_S = 604_800;
/** Results sampled for parameter patterns: the newest of the type in the window. */
export const PARAMS_SAMPLE = 2000;
/** Error patterns reported. */
export const PATTERN_ERRORS = 10;

/**
 * Success patterns of a task type (seed 002 `get_success_patterns`, "What the
 * System Learns"): which services, parameters and times of day succeed, with the
 * type's counts, latency quantiles and frequent errors. Cost is bounded whatever
 * the result rate: two reads of long-term statistics rows (one per key and hour
 * in the window, ≤ 60 minute rows more) and one read of at most
 * {@link PARAMS_SAMPLE} results.
 */
export class PatternsService {
  /**
   * @param repos long-term statistics and stored results
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repos: { memoryStats: Pick<MemoryStatsRepository, 'window'>; results: Pick<TaskResultRepository, 'paramsSample'> },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @param req task type and window (default {@link DEFAULT_PATTERNS_WINDOW_S})
   * @returns the patterns; a type without results gets zero counts and empty lists
   */
  async patterns(req: PatternsRequest): Promise<TaskPatterns> {
    const windowS = req.window_s ?? DEFAULT_PATTERNS_WINDOW_S;
    const nowMs = this.now();
    const since = new Date(nowMs - windowS * 1000);
    const now = new Date(nowMs);
    const [typeRows, serviceRows, sample] = await Promise.all([
      this.repos.memoryStats.window({ since, now, taskTypes: [req.task_type], scope: 'type' }),
      this.repos.memoryStats.window({ since, now, taskTypes: [req.task_type], scope: 'service' }),
      this.repos.results.paramsSample(req.task_type, since, PARAMS_SAMPLE),
    ]);
    const type = summariseRows(typeRows)[0];
    return {
      task_type: req.task_type,
      window_s: windowS,
      count: type?.count ?? 0,
      successes: type?.successes ?? 0,
      failures: type?.failures ?? 0,
      success_rate: type ? round4(type.successes / type.count) : null,
      mean_latency_ms: type ? round3(type.latency_sum_ms / type.count) : null,
      p50_ms: type?.hist.quantileMs(50) ?? null,
      p95_ms: type?.hist.quantileMs(95) ?? null,
      p99_ms: type?.hist.quantileMs(99) ?? null,
      services: servicePatterns(summariseRows(serviceRows)),
      parameters: parameterPatterns(sample),
      hours: hourPatterns(typeRows),
      error_patterns: type?.errors.top(PATTERN_ERRORS) ?? [],
    };
  }
}
