import type { Logger } from 'pino';
import type { TaskRepository } from '@apiary/persistence';
import type { TaskLifecycle } from './task-lifecycle';

type ReaperRepository = Pick<TaskRepository, 'transaction'>;

/**
 * Re-queues attempts whose lease expired (DESIGN.md "Messaging": the reconciler
 * re-queues what was dispatched but whose lease expired), e.g. when JetStream lost
 * the message or every delivery failed. The re-queued task is dispatched again
 * with the next attempt number; after the last attempt it is `dead`.
 */
export class LeaseReaper {
  private timer?: NodeJS.Timeout;
  private busy = false;

  /**
   * @param repo task storage
   * @param lifecycle state machine deciding re-queue vs dead
   * @param intervalMs scan interval, ms
   * @param logger logger
   * @param onRequeued called when tasks were re-queued (wakes the dispatcher)
   */
  constructor(
    private readonly repo: ReaperRepository,
    private readonly lifecycle: TaskLifecycle,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly onRequeued: () => void = () => undefined,
  ) {}

  /** Starts periodic scans. */
  start(): void {
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
  }

  /** Stops scanning. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * One scan of up to 500 expired leases.
   * @returns number of tasks re-queued or killed
   */
  async reap(): Promise<number> {
    return this.repo.transaction(async (tx) => {
      const expired = await tx.lockExpiredLeases(500);
      const { updates, transitions } = this.lifecycle.decideMany(
        expired,
        (task) => [{ kind: 'lease_expired', attempt: task.attempts }],
        new Date(),
      );
      return (await tx.applyUpdates(updates, transitions)).length;
    });
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const n = await this.reap();
      if (n > 0) {
        this.logger.warn({ tasks: n }, 'expired leases re-queued');
        this.onRequeued();
      }
    } catch (err) {
      this.logger.warn({ err }, 'lease scan failed');
    } finally {
      this.busy = false;
    }
  }
}
