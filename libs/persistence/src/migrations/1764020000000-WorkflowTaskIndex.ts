import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The `task_transitions_workflow_inbox` statement trigger joins each batch of finished
 * transitions to `tasks` and keeps workflow tasks only. Without an index that holds
 * just those, PostgreSQL planned the join (transition tables carry no statistics) as a
 * scan of `tasks` per batch: ~2,000 rows read per task on the 50,000-task swarm bench,
 * while the batch-counter row stayed locked, halving throughput. This partial index
 * holds workflow tasks only, so tasks outside workflows cost the join nothing.
 */
export class WorkflowTaskIndex1764020000000 implements MigrationInterface {
  name = 'WorkflowTaskIndex1764020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "tasks_workflow" ON "tasks" ("id") WHERE "workflow_run_id" IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "tasks_workflow"`);
  }
}
