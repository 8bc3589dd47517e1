import { BacklogReply, BacklogRequest, DEFAULT_BACKLOG_WINDOW_S } from '@apiary/contracts';
import type { BacklogCounts } from './backlog.repository';

/** Where {@link BacklogService} reads counts from (the SQL of `BacklogRepository`). */
export interface BacklogCountsSource {
  countsByType(windowS: number): Promise<BacklogCounts>;
}

/**
 * Answers `apiary.brain.backlog`: tasks waiting now, the oldest queued task's age,
 * and tasks created and finished in the window, in total and per task type (seed
 * 003 ScalabilityOptimizer "High queue depth"). Read by self-improvement's backlog
 * and idle-capacity rules and meant for the scaler.
 */
export class BacklogService {
  /** @param counts per-type counts from the tasks table */
  constructor(private readonly counts: BacklogCountsSource) {}

  /**
   * @param req window in seconds (default {@link DEFAULT_BACKLOG_WINDOW_S})
   * @returns totals (sums over types; oldest age is the largest) and `by_type` by name
   */
  async backlog(req: BacklogRequest): Promise<BacklogReply> {
    const windowS = req.window_s ?? DEFAULT_BACKLOG_WINDOW_S;
    const { at, rows } = await this.counts.countsByType(windowS);
    const sum = (k: 'queued' | 'retrying' | 'in_flight' | 'arrivals' | 'completions') => rows.reduce((n, r) => n + r[k], 0);
    const ages = rows.map((r) => r.oldest_queued_age_ms).filter((a): a is number => a !== null);
    return {
      window_s: windowS,
      at: at.toISOString(),
      queued: sum('queued'),
      retrying: sum('retrying'),
      in_flight: sum('in_flight'),
      arrivals: sum('arrivals'),
      completions: sum('completions'),
      oldest_queued_age_ms: ages.length > 0 ? Math.max(...ages) : null,
      by_type: rows,
    };
  }
}
