import { RunnerStatsReply, RunnerStatsRequest, ServiceStat, ServiceStatsReply, ServiceStatsRequest } from '@apiary/contracts';
import type { MemoryStatsRepository, RunnerStatsRepository, ServiceStatsRepository } from '@apiary/persistence';
import { round3, summariseRows, toServiceStat } from './stat-window';

/** Window of {@link ServiceStatsService.query} when the request gives none, seconds. */
export const DEFAULT_STATS_WINDOW_S = 3600;
/** Longest window a request may ask for, seconds (30 days; the contract's maximum). */
export const MAX_STATS_WINDOW_S = 2_592_000;
/** Error patterns reported per entry with `detail`. */
export const STATS_ERROR_PATTERNS = 5;

/**
 * Answers "what has memory learned" over a window (seed 002 "What the System
 * Learns"; read by the brain's decisions and by operators).
 *
 * - Cheap path (no `detail`, `group_by` `service`): sums of `service_stats` minute
 *   buckets, one SQL aggregate; what the brain's decisions read. The window covers
 *   the minute buckets from `now − window_s` (rounded down to its minute) on, so it
 *   may reach up to 59 s further back than `window_s`.
 * - `detail` or `group_by: task_type`: `memory_stats` rows (hour buckets, plus
 *   minute buckets before the first whole hour; for windows reaching more than
 *   48 h back, from the hour), merged in memory: HDR histograms give p50/p95/p99,
 *   error patterns are summed (top 5). `group_by: task_type` reports each type's
 *   results (one per result, `service: "*"`), not its calls.
 */
export class ServiceStatsService {
  /**
   * @param repos minute-bucket service statistics, long-term statistics, runner load
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repos: {
      serviceStats: Pick<ServiceStatsRepository, 'window'>;
      memoryStats: Pick<MemoryStatsRepository, 'window'>;
      runnerStats: Pick<RunnerStatsRepository, 'window'>;
    },
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @param req task types (all when absent), window in seconds (default 3,600),
   *   `group_by` (default `service`), `detail` (default false)
   * @returns one entry per (task type, service), or per task type, with at least one
   *   result in the window, ordered by task type then service; latencies in ms
   *   rounded to 0.001 ms
   */
  async query(req: ServiceStatsRequest): Promise<ServiceStatsReply> {
    const windowS = req.window_s ?? DEFAULT_STATS_WINDOW_S;
    const nowMs = this.now();
    const since = new Date(nowMs - windowS * 1000);
    const types = req.task_types === undefined ? undefined : [...new Set(req.task_types)];
    if (types && types.length === 0) return { window_s: windowS, stats: [] };
    const detail = req.detail === true;
    if (!detail && req.group_by !== 'task_type') return { window_s: windowS, stats: await this.cheap(since, types) };
    const rows = await this.repos.memoryStats.window({
      since,
      now: new Date(nowMs),
      taskTypes: types,
      scope: req.group_by === 'task_type' ? 'type' : 'service',
    });
    return { window_s: windowS, stats: summariseRows(rows).map((s) => toServiceStat(s, detail, STATS_ERROR_PATTERNS)) };
  }

  private async cheap(since: Date, types: string[] | undefined): Promise<ServiceStat[]> {
    const rows = await this.repos.serviceStats.window(since, types);
    return rows
      .filter((r) => r.count > 0)
      .map((r) => ({
        task_type: r.task_type,
        service: r.service,
        count: r.count,
        successes: r.successes,
        failures: r.failures,
        mean_latency_ms: round3(r.latency_sum_ms / r.count),
        last_at: r.last_at.toISOString(),
        // Sums of priced calls only (docs/ai-work.md "Learned routing with cost").
        ...(r.cost_usd_sum > 0 ? { cost_usd_sum: r.cost_usd_sum } : {}),
        ...(r.tokens_sum > 0 ? { tokens_sum: r.tokens_sum } : {}),
      }));
  }

  /**
   * Load per bot-runtime replica (results produced and handler busy time) over a
   * window (same buckets as `detail` queries).
   * @param req window in seconds (default 3,600)
   * @returns runners with results in the window, by runner; `busy_ms` rounded to 0.001 ms
   */
  async runners(req: RunnerStatsRequest): Promise<RunnerStatsReply> {
    const windowS = req.window_s ?? DEFAULT_STATS_WINDOW_S;
    const nowMs = this.now();
    const rows = await this.repos.runnerStats.window(new Date(nowMs - windowS * 1000), new Date(nowMs));
    return {
      window_s: windowS,
      runners: rows.map((r) => ({ runner: r.runner, count: r.count, busy_ms: round3(r.busy_ms), last_at: r.last_at.toISOString() })),
    };
  }
}
