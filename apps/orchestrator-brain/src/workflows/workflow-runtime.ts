import type { Logger } from 'pino';
import { PgNotifications, WORKFLOW_CHANNEL } from './pg-notifications';
import type { WorkflowService } from './workflow.service';

/**
 * Drives {@link WorkflowService} in one brain replica: drains the workflow inbox
 * when PostgreSQL notifies `apiary_workflow` (after the commit that ended a step's
 * task), after (re)connecting the listener (which covers steps that finished while
 * this brain was down), and every `sweepMs` (retry delays, step deadlines, and a
 * safety net for a lost notification). Drains never overlap: a notification during
 * a drain schedules one more.
 */
export class WorkflowRuntime {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;

  /**
   * @param workflows the service
   * @param notifications the replica's LISTEN connection
   * @param sweepMs period of the sweep, ms
   * @param logger logger
   */
  constructor(
    private readonly workflows: WorkflowService,
    private readonly notifications: PgNotifications,
    private readonly sweepMs: number,
    private readonly logger: Logger,
  ) {}

  /** Subscribes and starts the sweep timer (the first sweep runs at once). */
  start(): void {
    this.stopped = false;
    this.notifications.on(WORKFLOW_CHANNEL, () => this.kick(false));
    this.notifications.onConnect(() => this.kick(true));
    this.timer = setInterval(() => this.kick(true), this.sweepMs);
    this.kick(true);
  }

  /** Stops the timer and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  private kick(sweep: boolean): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          if (sweep) await this.workflows.sweep();
          else await this.workflows.drain();
          sweep = false;
        } while (this.again && !this.stopped);
      } catch (err) {
        this.logger.warn({ err }, 'advancing workflows failed; retried on the next sweep');
      } finally {
        this.running = undefined;
      }
    })();
  }
}
