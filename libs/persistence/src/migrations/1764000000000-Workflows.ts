import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Workflows, definitions, schedules and the events that drive them (issue 6).
 *
 * - `workflow_definitions` (name, version): saved workflows; saving a name again
 *   adds a version.
 * - `workflow_runs` and `workflow_steps`: the durable state of each run; a run is
 *   advanced under its row lock, so two brain replicas never start a step twice.
 * - `tasks.workflow_run_id` / `tasks.workflow_step`: the run and step a task
 *   belongs to (nullable, no default: a catalogue-only change).
 * - `workflow_inbox`: the one place the workflow engine learns that a step ended.
 *   A statement-level trigger on `task_transitions` (every status change of a task
 *   is recorded there, whoever made it: lifecycle, lease reaper, external
 *   completions, bot retirement, cancellation) copies the terminal transitions of
 *   workflow tasks into it, and a row trigger on `batch_counters` adds the swarm
 *   batches of workflow steps when they complete; both in the transaction of the
 *   change, so no completion is lost when a brain dies. The engine deletes the rows
 *   it applies.
 * - Notifications after commit (`pg_notify`, transactional): channel
 *   `apiary_workflow` when the inbox got rows, channel `apiary_batch` (payload: the
 *   batch id) when a batch's last task finished. Every brain replica listens, so
 *   waiters of `GET /batches/{id}?wait_s=` and the engine wake at once without
 *   polling.
 * - `schedules` and `schedule_runs` (schedule, occurrence) unique: each cron
 *   occurrence fires once across replicas.
 */
export class Workflows1764000000000 implements MigrationInterface {
  name = 'Workflows1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "workflow_definitions" (
        "name" text NOT NULL,
        "version" int NOT NULL,
        "description" text,
        "spec" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY ("name", "version")
      )`);
    await q.query(`
      CREATE TABLE "workflow_runs" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "definition_name" text,
        "definition_version" int,
        "schedule_id" uuid,
        "status" text NOT NULL,
        "priority" text NOT NULL,
        "context_id" text,
        "fairness_key" text,
        "parameters" jsonb NOT NULL DEFAULT '{}'::jsonb,
        "failed_step" text,
        "error" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "finished_at" timestamptz,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "workflow_runs_created" ON "workflow_runs" ("created_at" DESC, "id" DESC)`);
    await q.query(`CREATE INDEX "workflow_runs_status_created" ON "workflow_runs" ("status", "created_at" DESC, "id" DESC)`);
    await q.query(`
      CREATE TABLE "workflow_steps" (
        "run_id" uuid NOT NULL REFERENCES "workflow_runs" ("id") ON DELETE CASCADE,
        "step_id" text NOT NULL,
        "ord" int NOT NULL,
        "spec" jsonb NOT NULL,
        "status" text NOT NULL,
        "attempts" int NOT NULL DEFAULT 0,
        "task_id" uuid,
        "batch_id" uuid,
        "parameters" jsonb,
        "result" jsonb,
        "error" jsonb,
        "recovered" boolean NOT NULL DEFAULT false,
        "not_before" timestamptz,
        "deadline_at" timestamptz,
        "started_at" timestamptz,
        "finished_at" timestamptz,
        PRIMARY KEY ("run_id", "step_id")
      )`);
    await q.query(`CREATE INDEX "workflow_steps_batch" ON "workflow_steps" ("batch_id") WHERE "batch_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "workflow_steps_retry_due" ON "workflow_steps" ("not_before") WHERE status = 'retrying'`);
    await q.query(
      `CREATE INDEX "workflow_steps_deadline" ON "workflow_steps" ("deadline_at") WHERE status IN ('running', 'recovering') AND "deadline_at" IS NOT NULL`,
    );
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "workflow_run_id" uuid, ADD COLUMN "workflow_step" text`);
    await q.query(`
      CREATE TABLE "workflow_inbox" (
        "id" bigserial PRIMARY KEY,
        "run_id" uuid NOT NULL,
        "step_id" text NOT NULL,
        "task_id" uuid,
        "batch_id" uuid,
        "status" text NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION apiary_workflow_task_done() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE n bigint;
      BEGIN
        INSERT INTO workflow_inbox (run_id, step_id, task_id, status)
        SELECT t.workflow_run_id, t.workflow_step, t.id, d.to_status
          FROM (SELECT task_id, to_status FROM new_rows
                 WHERE to_status IN ('succeeded', 'failed', 'dead', 'cancelled', 'timed_out')) d
          JOIN tasks t ON t.id = d.task_id
         WHERE t.workflow_run_id IS NOT NULL;
        GET DIAGNOSTICS n = ROW_COUNT;
        IF n > 0 THEN
          PERFORM pg_notify('apiary_workflow', '');
        END IF;
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER "task_transitions_workflow_inbox" AFTER INSERT ON "task_transitions"
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION apiary_workflow_task_done()`);
    await q.query(`
      CREATE FUNCTION apiary_batch_done() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO workflow_inbox (run_id, step_id, batch_id, status)
        SELECT s.run_id, s.step_id, NEW.batch_id, 'batch_done'
          FROM workflow_steps s WHERE s.batch_id = NEW.batch_id AND s.status IN ('running', 'recovering');
        IF FOUND THEN
          PERFORM pg_notify('apiary_workflow', '');
        END IF;
        PERFORM pg_notify('apiary_batch', NEW.batch_id::text);
        RETURN NULL;
      END
      $$`);
    await q.query(`
      CREATE TRIGGER "batch_counters_done" AFTER UPDATE ON "batch_counters"
        FOR EACH ROW WHEN (NEW.queued + NEW.running = 0 AND OLD.queued + OLD.running > 0)
        EXECUTE FUNCTION apiary_batch_done()`);
    await q.query(`
      CREATE TABLE "schedules" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL UNIQUE,
        "cron" text NOT NULL,
        "timezone" text NOT NULL DEFAULT 'UTC',
        "target" jsonb NOT NULL,
        "catch_up" boolean NOT NULL DEFAULT false,
        "status" text NOT NULL DEFAULT 'active',
        "fairness_key" text,
        "next_run_at" timestamptz,
        "last_run_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX "schedules_due" ON "schedules" ("next_run_at") WHERE status = 'active'`);
    await q.query(`
      CREATE TABLE "schedule_runs" (
        "schedule_id" uuid NOT NULL REFERENCES "schedules" ("id") ON DELETE CASCADE,
        "occurrence" timestamptz NOT NULL,
        "status" text NOT NULL,
        "fired_at" timestamptz NOT NULL DEFAULT now(),
        "workflow_id" uuid,
        "task_id" uuid,
        "missed" int NOT NULL DEFAULT 1,
        "error" jsonb,
        PRIMARY KEY ("schedule_id", "occurrence")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "schedule_runs"`);
    await q.query(`DROP TABLE "schedules"`);
    await q.query(`DROP TRIGGER "batch_counters_done" ON "batch_counters"`);
    await q.query(`DROP FUNCTION apiary_batch_done()`);
    await q.query(`DROP TRIGGER "task_transitions_workflow_inbox" ON "task_transitions"`);
    await q.query(`DROP FUNCTION apiary_workflow_task_done()`);
    await q.query(`DROP TABLE "workflow_inbox"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "workflow_run_id", DROP COLUMN "workflow_step"`);
    await q.query(`DROP TABLE "workflow_steps"`);
    await q.query(`DROP TABLE "workflow_runs"`);
    await q.query(`DROP TABLE "workflow_definitions"`);
  }
}
