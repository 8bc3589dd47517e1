import { ApiaryError } from '@apiary/contracts';
import type { NewTaskRow, TaskRepository } from '@apiary/persistence';
import type { PriorityPolicy } from '../priority/priority.service';

type WriterRepository = Pick<TaskRepository, 'transaction'>;

/** Tunables of {@link TaskWriter}. */
export interface TaskWriterConfig {
  /** Idempotency window, seconds. */
  idempotencyTtlS: number;
  /**
   * Virtual cost of one task of a fairness key, seconds (stride scheduling): a
   * key's n-th queued task is ranked as if submitted n × cost later, so one big
   * batch cannot starve tasks other keys submit after it.
   */
  fairShareS: number;
}

/**
 * Writes new tasks (the transactional outbox) in one transaction: frees expired
 * idempotency keys, advances the fairness key's virtual clock, sets each task's
 * dispatch rank, inserts all rows in one statement, and maps idempotent repeats
 * to the earlier tasks. Used by every intake path (tasks, batches, bots).
 */
export class TaskWriter {
  /**
   * @param repo task storage
   * @param priority ranks from score and virtual time
   * @param config idempotency window and fair-share cost
   * @param now clock, ms since epoch
   */
  constructor(
    private readonly repo: WriterRepository,
    private readonly priority: PriorityPolicy,
    private readonly config: TaskWriterConfig,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * @param rows tasks to write (their `rank` is recomputed here)
   * @param fairnessKey tenant or swarm key (null: the anonymous key)
   * @returns row index → task id (a repeat's id is the earlier task's)
   * @throws ApiaryError `IDEMPOTENCY_CONFLICT` when a key is held by a task being replaced concurrently
   */
  async write(rows: NewTaskRow[], fairnessKey: string | null): Promise<Map<number, string>> {
    return this.repo.transaction(async (tx) => {
      const keys = [...new Set(rows.map((r) => r.idempotency_key).filter((k): k is string => k !== null))];
      if (keys.length > 0) await tx.releaseExpiredIdempotencyKeys(fairnessKey, keys, this.config.idempotencyTtlS);
      const startS = await tx.advanceFairnessClock(fairnessKey ?? '', rows.length, this.config.fairShareS, this.now() / 1000);
      rows.forEach((r, i) => {
        r.rank = this.priority.rank(r.score, (startS + (i + 1) * this.config.fairShareS) * 1000);
      });
      const inserted = await tx.insertMany(rows);
      const byIndex = new Map<number, string>();
      const conflicted: string[] = [];
      rows.forEach((r, i) => {
        if (inserted.has(r.id)) byIndex.set(i, r.id);
        else if (r.idempotency_key) conflicted.push(r.idempotency_key);
      });
      if (conflicted.length > 0) {
        const existing = await tx.findByIdempotencyKeys(fairnessKey, conflicted, this.config.idempotencyTtlS);
        rows.forEach((r, i) => {
          if (!byIndex.has(i) && r.idempotency_key) {
            const id = existing.get(r.idempotency_key);
            if (!id) throw new ApiaryError('IDEMPOTENCY_CONFLICT', `idempotency_key "${r.idempotency_key}" is in use`);
            byIndex.set(i, id);
          }
        });
      }
      return byIndex;
    });
  }
}
