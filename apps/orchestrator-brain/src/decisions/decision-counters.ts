import type { Logger } from 'pino';
import type { DecisionCount, DecisionCounterRepository } from '@apiary/persistence';

/**
 * Counts decisions per task type (how many, summed confidence) for the
 * performance summary, persisted in `decision_counters` in batches: decisions
 * only bump in-memory counters, and a flush every `flushMs` writes them with one
 * multi-row upsert (no write per decision). A failed flush keeps its counts for
 * the next one; {@link stop} flushes what is left.
 */
export class DecisionCounters {
  private pending = new Map<string, { decisions: number; confidence_sum: number }>();
  private chain: Promise<unknown> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  /**
   * @param repo persisted counters
   * @param flushMs time between flushes, ms
   * @param logger logger (failed flushes are warned about)
   */
  constructor(
    private readonly repo: Pick<DecisionCounterRepository, 'add' | 'all'>,
    private readonly flushMs: number,
    private readonly logger: Logger,
  ) {}

  /**
   * Counts one decision.
   * @param taskType the decided task type
   * @param confidence the decision's confidence, 0..1
   */
  record(taskType: string, confidence: number): void {
    const c = this.pending.get(taskType);
    if (c) {
      c.decisions += 1;
      c.confidence_sum += confidence;
    } else {
      this.pending.set(taskType, { decisions: 1, confidence_sum: confidence });
    }
  }

  /** Starts flushing every interval. */
  start(): void {
    this.timer ??= setInterval(() => void this.flush().catch((err) => this.logger.warn({ err }, 'decision counters flush failed')), this.flushMs);
    this.timer.unref();
  }

  /** Stops the timer and flushes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Writes the pending counts (one upsert); on failure they stay pending.
   * @throws the database error of a failed write
   */
  flush(): Promise<void> {
    return this.serial(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.repo.add([...batch.entries()].map(([task_type, c]) => ({ task_type, ...c })));
      } catch (error) {
        for (const [type, c] of batch) {
          const now = this.pending.get(type);
          this.pending.set(type, now ? { decisions: now.decisions + c.decisions, confidence_sum: now.confidence_sum + c.confidence_sum } : c);
        }
        throw error;
      }
    });
  }

  /**
   * @returns persisted counts plus this replica's pending ones, per task type
   *   (other replicas' decisions appear once they flushed, within `flushMs`)
   */
  totals(): Promise<DecisionCount[]> {
    return this.serial(async () => {
      const totals = new Map((await this.repo.all()).map((c) => [c.task_type, { ...c }]));
      for (const [task_type, c] of this.pending) {
        const t = totals.get(task_type);
        if (t) {
          t.decisions += c.decisions;
          t.confidence_sum += c.confidence_sum;
        } else {
          totals.set(task_type, { task_type, ...c });
        }
      }
      return [...totals.values()].sort((a, b) => (a.task_type < b.task_type ? -1 : a.task_type > b.task_type ? 1 : 0));
    });
  }

  /** Runs flushes and reads one at a time, so a read never sees a count twice or not at all. */
  private serial<T>(run: () => Promise<T>): Promise<T> {
    const next = this.chain.then(run, run);
    this.chain = next.catch(() => undefined);
    return next;
  }
}
