import { MigrationInterface, QueryRunner } from 'typeorm';

/** Initial schema: tasks and their transitions (brain), task results (memory). */
export class InitialSchema1763900000000 implements MigrationInterface {
  name = 'InitialSchema1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "tasks" (
        "id" uuid PRIMARY KEY,
        "type" text NOT NULL,
        "data" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "priority" text NOT NULL,
        "score" double precision NOT NULL,
        "rank" double precision NOT NULL,
        "status" text NOT NULL,
        "attempts" int NOT NULL DEFAULT 0,
        "max_attempts" int NOT NULL,
        "result" jsonb,
        "error" jsonb,
        "idempotency_key" text,
        "batch_id" uuid,
        "fairness_key" text,
        "lane" text,
        "runner" text,
        "trace_carrier" jsonb,
        "not_before" timestamptz,
        "lease_expires_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "dispatched_at" timestamptz,
        "started_at" timestamptz,
        "finished_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "tasks_queued_rank" ON "tasks" ("rank" DESC) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX "tasks_retrying_due" ON "tasks" ("not_before") WHERE status = 'retrying'`);
    await q.query(
      `CREATE INDEX "tasks_inflight_lease" ON "tasks" ("lease_expires_at") WHERE status IN ('dispatched', 'running')`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "tasks_idempotency" ON "tasks" ((coalesce("fairness_key", '')), "idempotency_key") WHERE "idempotency_key" IS NOT NULL`,
    );
    await q.query(`CREATE INDEX "tasks_batch" ON "tasks" ("batch_id") WHERE "batch_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "tasks_status_created" ON "tasks" ("status", "created_at")`);
    await q.query(`
      CREATE TABLE "task_transitions" (
        "id" bigserial PRIMARY KEY,
        "task_id" uuid NOT NULL,
        "from_status" text,
        "to_status" text NOT NULL,
        "attempt" int NOT NULL,
        "reason" text NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "task_transitions_task" ON "task_transitions" ("task_id")`);
    await q.query(`
      CREATE TABLE "task_results" (
        "task_id" uuid NOT NULL,
        "attempt" int NOT NULL,
        "type" text NOT NULL,
        "handler" text NOT NULL,
        "success" boolean NOT NULL,
        "error_code" text,
        "error_message" text,
        "latency_ms" double precision NOT NULL,
        "runner" text NOT NULL,
        "result" jsonb,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("task_id", "attempt")
      )`);
    await q.query(`CREATE INDEX "task_results_type_finished" ON "task_results" ("type", "finished_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "task_results"`);
    await q.query(`DROP TABLE "task_transitions"`);
    await q.query(`DROP TABLE "tasks"`);
  }
}
