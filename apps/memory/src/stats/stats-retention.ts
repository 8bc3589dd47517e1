import type { Logger } from 'pino';
import { MAX_STATS_WINDOW_S } from './service-stats.service';

/** How long `service_stats` minute buckets are kept: the longest window a request may ask for, plus a minute, ms. */
export const STATS_RETENTION_MS = (MAX_STATS_WINDOW_S + 60) * 1000;

/** One clean-up: deletes what `now` makes obsolete and returns how many rows went. */
export interface RetentionJob {
  /** Name in logs. */
  name: string;
  run(now: Date): Promise<number>;
}

/**
 * Memory's retention: every `intervalMs`, each job deletes what no query can reach
 * any more: `service_stats` buckets older than {@link STATS_RETENTION_MS},
 * `memory_stats` / `runner_stats` rows past their resolution's retention (minute
 * rows 49 h, hour rows 30 days + 1 h), expired contexts. Safe to run in every
 * replica: the deletes are idempotent. A failing job is logged and does not stop
 * the others.
 */
export class StatsRetention {
  private timer?: NodeJS.Timeout;

  /**
   * @param jobs clean-ups, run in order
   * @param intervalMs time between runs, ms
   * @param logger logger
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly jobs: RetentionJob[],
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Runs once now, then every interval. */
  start(): void {
    const run = () => void this.prune();
    run();
    this.timer ??= setInterval(run, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the runs. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** @returns rows deleted per job (a failed job is logged and reported as 0) */
  async prune(): Promise<Record<string, number>> {
    const now = new Date(this.now());
    const deleted: Record<string, number> = {};
    for (const job of this.jobs) {
      try {
        deleted[job.name] = await job.run(now);
      } catch (err) {
        this.logger.warn({ err, job: job.name }, 'memory retention job failed');
        deleted[job.name] = 0;
      }
    }
    return deleted;
  }
}
