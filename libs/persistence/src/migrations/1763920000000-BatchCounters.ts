import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Batch progress in O(1): `batch_counters` holds, per batch, how many tasks are
 * queued (queued, retrying), running (dispatched, running), succeeded and failed
 * (failed, dead, cancelled, timed_out). A statement-level trigger on
 * `task_transitions` keeps it exact: every status change of a task is recorded
 * there (the lifecycle's invariant), so the counters move in the same transaction
 * as the change, whoever made it. Also tunes autovacuum for the high-churn tasks
 * table, whose partial indexes otherwise fill with dead entries under load.
 */
export class BatchCounters1763920000000 implements MigrationInterface {
  name = 'BatchCounters1763920000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "batch_counters" (
        "batch_id" uuid PRIMARY KEY,
        "total" bigint NOT NULL DEFAULT 0,
        "queued" bigint NOT NULL DEFAULT 0,
        "running" bigint NOT NULL DEFAULT 0,
        "succeeded" bigint NOT NULL DEFAULT 0,
        "failed" bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`
      CREATE FUNCTION apiary_status_bucket(s text) RETURNS text IMMUTABLE LANGUAGE sql AS $$
        SELECT CASE
          WHEN s IS NULL THEN NULL
          WHEN s IN ('queued', 'retrying') THEN 'queued'
          WHEN s IN ('dispatched', 'running') THEN 'running'
          WHEN s = 'succeeded' THEN 'succeeded'
          ELSE 'failed' END
      $$`);
    await q.query(`
      CREATE FUNCTION apiary_batch_counters() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO batch_counters AS c (batch_id, total, queued, running, succeeded, failed)
        SELECT t.batch_id,
               count(*) FILTER (WHERE n.from_status IS NULL),
               count(*) FILTER (WHERE apiary_status_bucket(n.to_status) = 'queued')
                 - count(*) FILTER (WHERE apiary_status_bucket(n.from_status) = 'queued'),
               count(*) FILTER (WHERE apiary_status_bucket(n.to_status) = 'running')
                 - count(*) FILTER (WHERE apiary_status_bucket(n.from_status) = 'running'),
               count(*) FILTER (WHERE apiary_status_bucket(n.to_status) = 'succeeded')
                 - count(*) FILTER (WHERE apiary_status_bucket(n.from_status) = 'succeeded'),
               count(*) FILTER (WHERE apiary_status_bucket(n.to_status) = 'failed')
                 - count(*) FILTER (WHERE apiary_status_bucket(n.from_status) = 'failed')
          FROM new_rows n JOIN tasks t ON t.id = n.task_id
         WHERE t.batch_id IS NOT NULL
         GROUP BY t.batch_id
         ORDER BY t.batch_id -- one lock order for every writer: no deadlocks between batches
        ON CONFLICT (batch_id) DO UPDATE SET
          total = c.total + excluded.total,
          queued = c.queued + excluded.queued,
          running = c.running + excluded.running,
          succeeded = c.succeeded + excluded.succeeded,
          failed = c.failed + excluded.failed;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER "task_transitions_batch_counters" AFTER INSERT ON "task_transitions"
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION apiary_batch_counters()`);
    // Backfill batches created before this migration.
    await q.query(`
      INSERT INTO batch_counters (batch_id, total, queued, running, succeeded, failed)
      SELECT batch_id, count(*),
             count(*) FILTER (WHERE apiary_status_bucket(status) = 'queued'),
             count(*) FILTER (WHERE apiary_status_bucket(status) = 'running'),
             count(*) FILTER (WHERE status = 'succeeded'),
             count(*) FILTER (WHERE apiary_status_bucket(status) = 'failed')
        FROM tasks WHERE batch_id IS NOT NULL GROUP BY batch_id`);
    await q.query(`ALTER TABLE "tasks" SET (autovacuum_vacuum_scale_factor = 0.02, autovacuum_vacuum_cost_delay = 0)`);
    // Dead-letter and failure lists (`GET /tasks?status=dead`): rare rows, cheap index.
    await q.query(
      `CREATE INDEX "tasks_final_failures" ON "tasks" ("status", "created_at" DESC, "id") WHERE status IN ('dead', 'failed', 'cancelled', 'timed_out')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "tasks_final_failures"`);
    await q.query(`ALTER TABLE "tasks" RESET (autovacuum_vacuum_scale_factor, autovacuum_vacuum_cost_delay)`);
    await q.query(`DROP TRIGGER "task_transitions_batch_counters" ON "task_transitions"`);
    await q.query(`DROP FUNCTION apiary_batch_counters()`);
    await q.query(`DROP FUNCTION apiary_status_bucket(text)`);
    await q.query(`DROP TABLE "batch_counters"`);
  }
}
