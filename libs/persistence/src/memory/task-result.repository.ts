import { DataSource } from 'typeorm';

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

/**
 * SQL access to `task_results` for the memory service. Writes are one multi-row
 * statement per batch and idempotent by (task id, attempt).
 */
export class TaskResultRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /**
   * Inserts results; rows already stored for the same (task id, attempt) are skipped.
   * @returns number of rows actually inserted
   */
  async insertMany(rows: TaskResultRow[]): Promise<number> {
    if (rows.length === 0) return 0;
    const inserted = await this.db.query(
      `INSERT INTO task_results (task_id, attempt, type, handler, success, error_code, error_message, latency_ms,
                                 runner, result, started_at, finished_at)
       SELECT task_id, attempt, type, handler, success, error_code, error_message, latency_ms, runner, result,
              started_at, finished_at
         FROM jsonb_to_recordset($1::jsonb) AS x(task_id uuid, attempt int, type text, handler text, success boolean,
              error_code text, error_message text, latency_ms double precision, runner text, result jsonb,
              started_at timestamptz, finished_at timestamptz)
       ON CONFLICT (task_id, attempt) DO NOTHING
       RETURNING task_id`,
      [JSON.stringify(rows)],
    );
    return (inserted as unknown[]).length;
  }
}
