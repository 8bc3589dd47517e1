import type { Logger } from 'pino';
import type { ServiceStatsRepository } from '@apiary/persistence';
import { MAX_STATS_WINDOW_S } from './service-stats.service';

/** How long minute buckets are kept: the longest window a request may ask for, plus a minute, ms. */
export const STATS_RETENTION_MS = (MAX_STATS_WINDOW_S + 60) * 1000;

/**
 * Deletes statistics buckets no window can reach any more ({@link STATS_RETENTION_MS}),
 * every `intervalMs`. Safe to run in every replica: the delete is idempotent.
 */
export class StatsRetention {
  private timer?: NodeJS.Timeout;

  /**
   * @param repo minute-bucket statistics
   * @param intervalMs time between prunes, ms
   * @param logger logger
   * @param now clock (injected for tests)
   */
  constructor(
    private readonly repo: Pick<ServiceStatsRepository, 'prune'>,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Prunes once now, then every interval. */
  start(): void {
    const run = () => void this.prune().catch((err) => this.logger.warn({ err }, 'service stats pruning failed'));
    run();
    this.timer ??= setInterval(run, this.intervalMs);
    this.timer.unref();
  }

  /** Stops pruning. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** @returns number of bucket rows deleted */
  async prune(): Promise<number> {
    return this.repo.prune(new Date(this.now() - STATS_RETENTION_MS));
  }
}
