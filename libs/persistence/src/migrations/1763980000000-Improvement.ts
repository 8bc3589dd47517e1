import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Self-improvement (issue 5): suggestions and analysis runs; and two partial
 * indexes on `tasks` that keep the brain's backlog query (`apiary.brain.backlog`)
 * an index scan on tables of millions of tasks:
 * - `tasks_waiting` (status, type, created_at) over `queued`/`retrying` rows:
 *   waiting counts per type, oldest queued task, waiting arrivals, index-only;
 * - `tasks_finished` (finished_at, type, created_at) over finished rows:
 *   completions in a window and the finished part of its arrivals, index-only.
 * Each costs about one index entry per task (its queued version and its final
 * version), not one per state change as a full `created_at` index would.
 *
 * `improvement_suggestions`: one open or approved suggestion per finding key
 * (partial unique index); `auto_apply` is false by constraint (seed 002
 * "Suggestions Only").
 */
export class Improvement1763980000000 implements MigrationInterface {
  name = 'Improvement1763980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "improvement_suggestions" (
        "id" uuid PRIMARY KEY,
        "key" text NOT NULL,
        "rule" text NOT NULL,
        "task_type" text,
        "service" text,
        "priority" text NOT NULL CHECK ("priority" IN ('low', 'medium', 'high', 'critical')),
        "category" text NOT NULL,
        "title" text NOT NULL,
        "description" text NOT NULL,
        "action" text NOT NULL,
        "evidence" jsonb NOT NULL,
        "direction" text NOT NULL CHECK ("direction" IN ('lower_is_better', 'higher_is_better')),
        "auto_apply" boolean NOT NULL DEFAULT false CHECK (NOT "auto_apply"),
        "status" text NOT NULL DEFAULT 'open' CHECK ("status" IN ('open', 'approved', 'rejected', 'implemented')),
        "occurrences" int NOT NULL DEFAULT 1,
        "first_seen_at" timestamptz NOT NULL,
        "last_seen_at" timestamptz NOT NULL,
        "decided_at" timestamptz,
        "decided_by" text,
        "decision_reason" text,
        "implemented_at" timestamptz,
        "impact" jsonb,
        "impact_due_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "improvement_suggestions_active_key" ON "improvement_suggestions" ("key") WHERE "status" IN ('open', 'approved')`,
    );
    await q.query(`CREATE INDEX "improvement_suggestions_created" ON "improvement_suggestions" ("created_at" DESC, "id" DESC)`);
    await q.query(`CREATE INDEX "improvement_suggestions_rejected_key" ON "improvement_suggestions" ("key", "decided_at") WHERE "status" = 'rejected'`);
    await q.query(
      `CREATE INDEX "improvement_suggestions_impact_due" ON "improvement_suggestions" ("impact_due_at") WHERE "impact_due_at" IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE "improvement_analyses" (
        "id" uuid PRIMARY KEY,
        "trigger" text NOT NULL CHECK ("trigger" IN ('manual', 'periodic')),
        "window_from" timestamptz NOT NULL,
        "window_to" timestamptz NOT NULL,
        "window_hours" double precision NOT NULL,
        "started_at" timestamptz NOT NULL,
        "finished_at" timestamptz NOT NULL,
        "findings" int NOT NULL,
        "created" int NOT NULL,
        "updated" int NOT NULL,
        "suppressed" int NOT NULL,
        "sources" jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX "improvement_analyses_started" ON "improvement_analyses" ("trigger", "started_at" DESC)`);
    await q.query(
      `CREATE INDEX "tasks_waiting" ON "tasks" ("status", "type", "created_at") WHERE status IN ('queued', 'retrying')`,
    );
    await q.query(
      `CREATE INDEX "tasks_finished" ON "tasks" ("finished_at", "type", "created_at") WHERE "finished_at" IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "tasks_finished"`);
    await q.query(`DROP INDEX "tasks_waiting"`);
    await q.query(`DROP TABLE "improvement_analyses"`);
    await q.query(`DROP TABLE "improvement_suggestions"`);
  }
}
