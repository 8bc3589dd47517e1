import { DataSource } from 'typeorm';
import { retryTransaction } from '../retry-transaction';
import { ServiceStatSample, ServiceStatsRepository } from './service-stats.repository';

/** One result row as memory writes it. */
export interface TaskResultRow {
  task_id: string;
  attempt: number;
  type: string;
  handler: string;
  success: boolean;
  error_code: string | null;
  error_message: string | null;
  latency_ms: number;
  runner: string;
  result: unknown;
  started_at: string;
  finished_at: string;
}

/** Key of a result: one row per (task id, attempt). */
function resultKey(taskId: string, attempt: number): string {
  return `${taskId.toLowerCase()}:${attempt}`;
}

/**
 * SQL access to `task_results` for the memory service. Writes are one multi-row
 * statement per batch and idempotent by (task id, attempt).
 */
export class TaskResultRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts results; rows already stored for the same (task id, attempt), or
   * repeated within `rows`, are skipped. When `statsOf` is given, the statistics of
   * the rows newly stored (known from the insert's `RETURNING`) are added to
   * `service_stats` in the same transaction, so a redelivered result is counted
   * once and a counted result is always stored. Runs again on a deadlock.
   * @param rows results of one batch
   * @param statsOf outcomes to count for the rows actually inserted
   * @returns number of rows actually inserted
   */
  async insertMany(rows: TaskResultRow[], statsOf?: (stored: TaskResultRow[]) => ServiceStatSample[]): Promise<number> {
    const unique = new Map<string, TaskResultRow>();
    for (const r of rows) {
      const key = resultKey(r.task_id, r.attempt);
      if (!unique.has(key)) unique.set(key, r);
    }
    if (unique.size === 0) return 0;
    // Key order: concurrent replicas inserting overlapping batches lock in one order.
    const ordered = [...unique.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    return retryTransaction(() =>
      this.db.transaction(async (em) => {
        const inserted = (await em.query(
          `INSERT INTO task_results (task_id, attempt, type, handler, success, error_code, error_message, latency_ms,
                                     runner, result, started_at, finished_at)
           SELECT task_id, attempt, type, handler, success, error_code, error_message, latency_ms, runner, result,
                  started_at, finished_at
             FROM jsonb_to_recordset($1::jsonb) AS x(task_id uuid, attempt int, type text, handler text, success boolean,
                  error_code text, error_message text, latency_ms double precision, runner text, result jsonb,
                  started_at timestamptz, finished_at timestamptz)
           ON CONFLICT (task_id, attempt) DO NOTHING
           RETURNING task_id, attempt`,
          [JSON.stringify(ordered)],
        )) as { task_id: string; attempt: number }[];
        if (statsOf && inserted.length > 0) {
          const stored = inserted.map((r) => unique.get(resultKey(r.task_id, r.attempt))).filter((r): r is TaskResultRow => r !== undefined);
          await ServiceStatsRepository.add(em, statsOf(stored));
        }
        return inserted.length;
      }),
    );
  }
}
