import { DataSource, EntityManager } from 'typeorm';
import type { TaskErrorInfo, TaskStatus } from '@apiary/contracts';

type Row = Record<string, unknown>;

/** Counters of a batch (trigger-maintained `batch_counters` row). */
export interface BatchCounters {
  total: number;
  /** queued + retrying */
  queued: number;
  /** dispatched + running */
  running: number;
  succeeded: number;
  /** failed + dead + cancelled + timed_out */
  failed: number;
}

/** A finished task of a batch. */
export interface FinishedBatchTask {
  id: string;
  status: TaskStatus;
  result: unknown;
  error: TaskErrorInfo | null;
  finished_at: string | null;
}

/** Reads for `GET /batches/{id}`: one counters row, and pages of finished tasks. */
export class BatchWaitRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource | EntityManager) {}

  /** @returns the batch's counters (one indexed row), or undefined for an unknown batch */
  async counters(batchId: string): Promise<BatchCounters | undefined> {
    const rows = (await this.db.query(`SELECT total, queued, running, succeeded, failed FROM batch_counters WHERE batch_id = $1`, [batchId])) as Row[];
    const r = rows[0];
    return r
      ? { total: Number(r.total), queued: Number(r.queued), running: Number(r.running), succeeded: Number(r.succeeded), failed: Number(r.failed) }
      : undefined;
  }

  /**
   * Finished tasks of a batch in task id order after `cursor`.
   * @returns the page and the cursor of the next one (the last task id)
   */
  async finishedPage(batchId: string, limit: number, cursor?: string): Promise<{ tasks: FinishedBatchTask[]; next: string | null }> {
    const rows = (await this.db.query(
      `SELECT id, status, result, error, finished_at FROM tasks
        WHERE batch_id = $1 AND status IN ('succeeded', 'failed', 'dead', 'cancelled', 'timed_out')
          AND ($2::uuid IS NULL OR id > $2::uuid)
        ORDER BY id LIMIT $3`,
      [batchId, cursor ?? null, limit + 1],
    )) as Row[];
    const tasks = rows.slice(0, limit).map((r) => ({
      id: String(r.id),
      status: r.status as TaskStatus,
      result: r.result ?? null,
      error: (r.error as TaskErrorInfo | null) ?? null,
      finished_at: r.finished_at instanceof Date ? r.finished_at.toISOString() : r.finished_at == null ? null : String(r.finished_at),
    }));
    return { tasks, next: rows.length > limit ? tasks[tasks.length - 1].id : null };
  }
}
