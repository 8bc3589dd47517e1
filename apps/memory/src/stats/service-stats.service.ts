import { ServiceStat, ServiceStatsReply, ServiceStatsRequest } from '@apiary/contracts';
import type { ServiceStatsRepository } from '@apiary/persistence';

/** Window of {@link ServiceStatsService.query} when the request gives none, seconds. */
export const DEFAULT_STATS_WINDOW_S = 3600;
/** Longest window a request may ask for, seconds (30 days; the contract's maximum). */
export const MAX_STATS_WINDOW_S = 2_592_000;

/**
 * Answers "what has memory learned per (task type, service)" over a window
 * (seed 002 "What the System Learns"; read by the brain's decisions). The window
 * covers the minute buckets from `now − window_s` (rounded down to its minute) on,
 * so it may reach up to 59 s further back than `window_s`.
 */
export class ServiceStatsService {
  /**
   * @param repo minute-bucket statistics
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repo: Pick<ServiceStatsRepository, 'window'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @param req task types (all when absent) and window in seconds (default 3,600)
   * @returns one entry per (task type, service) with at least one result in the
   *   window, ordered by task type then service; `mean_latency_ms` rounded to 0.001 ms
   */
  async query(req: ServiceStatsRequest): Promise<ServiceStatsReply> {
    const windowS = req.window_s ?? DEFAULT_STATS_WINDOW_S;
    const since = new Date(this.now() - windowS * 1000);
    const types = req.task_types === undefined ? undefined : [...new Set(req.task_types)];
    if (types && types.length === 0) return { window_s: windowS, stats: [] };
    const rows = await this.repo.window(since, types);
    const stats: ServiceStat[] = rows
      .filter((r) => r.count > 0)
      .map((r) => ({
        task_type: r.task_type,
        service: r.service,
        count: r.count,
        successes: r.successes,
        failures: r.failures,
        mean_latency_ms: Math.round((r.latency_sum_ms / r.count) * 1000) / 1000,
        last_at: r.last_at.toISOString(),
      }));
    return { window_s: windowS, stats };
  }
}
