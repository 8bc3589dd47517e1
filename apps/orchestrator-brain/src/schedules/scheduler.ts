import type { Logger } from 'pino';
import type { ScheduleService } from './schedule.service';

/**
 * Fires due schedule occurrences in one brain replica, every `tickMs`. Replicas
 * need no coordination beyond the database (see {@link ScheduleService.fireDue}).
 */
export class Scheduler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  /**
   * @param schedules the service
   * @param tickMs period, ms (the lateness of a fire is at most about this)
   * @param logger logger
   */
  constructor(
    private readonly schedules: ScheduleService,
    private readonly tickMs: number,
    private readonly logger: Logger,
  ) {}

  /** Starts ticking. */
  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.tickMs);
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = (async () => {
      try {
        // Keep going while a full page was due (many schedules at the same second).
        while ((await this.schedules.fireDue(50)) >= 50 && this.timer);
      } catch (err) {
        this.logger.warn({ err }, 'firing schedules failed; retried on the next tick');
      } finally {
        this.running = undefined;
      }
    })();
  }
}
