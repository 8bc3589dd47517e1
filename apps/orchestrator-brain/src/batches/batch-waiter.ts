import { ApiaryError, BatchCompletionView, BatchTaskResult, GetBatchRequest } from '@apiary/contracts';
import type { BatchWaitRepository } from '@apiary/persistence';

type Reads = Pick<BatchWaitRepository, 'counters' | 'finishedPage'>;

/**
 * `GET /batches/{id}?wait_s=` (seed 003 `wait_for_batch_completion`) without polling:
 * a request registers a waiter for its batch, reads the batch's counters (one
 * indexed row) and, unless the batch is complete, sleeps until {@link notify} is
 * called for that batch (PostgreSQL notifies `apiary_batch` after the commit that
 * finished its last task, on every replica) or its wait ends; then it reads the
 * counters once more. Waiting requests cost no database work.
 */
export class BatchWaiter {
  private readonly waiters = new Map<string, Set<() => void>>();
  private closing = false;

  /**
   * @param repo batch counters and finished-task pages
   * @param now clock, ms since epoch
   */
  constructor(
    private readonly repo: Reads,
    private readonly now: () => number = Date.now,
  ) {}

  /** Wakes the requests waiting for `batchId`. */
  notify(batchId: string): void {
    for (const wake of this.waiters.get(batchId) ?? []) wake();
  }

  /** Wakes every waiting request (they re-read their batch): after the listener reconnected. */
  wakeAll(): void {
    for (const set of this.waiters.values()) for (const wake of set) wake();
  }

  /** Answers every waiting request now and every later one at once (shutdown). */
  close(): void {
    this.closing = true;
    this.wakeAll();
  }

  /** Number of requests waiting (for tests and metrics). */
  get waiting(): number {
    let n = 0;
    for (const set of this.waiters.values()) n += set.size;
    return n;
  }

  /**
   * @returns the batch's completion, after waiting up to `wait_s` seconds for it
   * @throws ApiaryError `BATCH_NOT_FOUND`
   */
  async get(req: GetBatchRequest): Promise<BatchCompletionView> {
    const t0 = this.now();
    const deadline = t0 + (req.wait_s ?? 0) * 1000;
    for (;;) {
      const wait = this.register(req.batch_id);
      try {
        const c = await this.repo.counters(req.batch_id);
        if (!c) throw new ApiaryError('BATCH_NOT_FOUND', `batch ${req.batch_id} not found`, { batch_id: req.batch_id });
        const done = c.queued + c.running === 0;
        const remaining = deadline - this.now();
        if (done || remaining <= 0 || this.closing) {
          const page = await this.repo.finishedPage(req.batch_id, req.limit ?? 100, req.cursor);
          const results: Record<string, BatchTaskResult> = {};
          for (const t of page.tasks) results[t.id] = { status: t.status, result: t.result, error: t.error, finished_at: t.finished_at };
          const completed = c.succeeded + c.failed;
          return {
            batch_id: req.batch_id,
            completed_tasks: completed,
            total_tasks: c.total,
            completion_rate: c.total > 0 ? completed / c.total : 0,
            succeeded_tasks: c.succeeded,
            failed_tasks: c.failed,
            results,
            next_cursor: page.next,
            timeout_exceeded: !done,
            waited_s: Math.max(0, this.now() - t0) / 1000,
          };
        }
        await wait.until(remaining);
      } finally {
        wait.cancel();
      }
    }
  }

  private register(batchId: string): { until(ms: number): Promise<void>; cancel(): void } {
    let wake!: () => void;
    const woken = new Promise<void>((r) => (wake = r));
    let timer: NodeJS.Timeout | undefined;
    const set = this.waiters.get(batchId) ?? new Set();
    set.add(wake);
    this.waiters.set(batchId, set);
    return {
      until: (ms) =>
        Promise.race([woken, new Promise<void>((r) => (timer = setTimeout(r, ms)))]),
      cancel: () => {
        if (timer) clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0 && this.waiters.get(batchId) === set) this.waiters.delete(batchId);
      },
    };
  }
}
