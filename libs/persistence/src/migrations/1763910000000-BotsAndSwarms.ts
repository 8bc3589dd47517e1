import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bots and swarms (seed 001): bots as durable virtual actors, swarms, fleet
 * counters for O(1) statistics, fairness clocks for stride scheduling, and the task
 * columns that tie a task to a bot.
 */
export class BotsAndSwarms1763910000000 implements MigrationInterface {
  name = 'BotsAndSwarms1763910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "swarms" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "tier" text NOT NULL,
        "capabilities" text[] NOT NULL,
        "status" text NOT NULL DEFAULT 'active',
        "next_index" int NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "deleted_at" timestamptz
      )`);
    await q.query(`
      CREATE TABLE "bots" (
        "seq" bigserial UNIQUE,
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "tier" text NOT NULL,
        "capabilities" text[] NOT NULL,
        "status" text NOT NULL DEFAULT 'active',
        "swarm_id" uuid REFERENCES "swarms" ("id"),
        "swarm_index" int,
        "max_concurrency" int NOT NULL DEFAULT 1,
        "last_active" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "retired_at" timestamptz
      )`);
    await q.query(`CREATE INDEX "bots_swarm" ON "bots" ("swarm_id", "swarm_index") WHERE "swarm_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "bots_status_tier" ON "bots" ("status", "tier", "seq")`);
    await q.query(`CREATE INDEX "bots_capabilities" ON "bots" USING gin ("capabilities")`);
    await q.query(`
      CREATE TABLE "fleet_counters" (
        "key" text PRIMARY KEY,
        "value" bigint NOT NULL DEFAULT 0
      )`);
    await q.query(`
      INSERT INTO "fleet_counters" ("key") VALUES
        ('bots.total_created'), ('bots.active'), ('bots.active.standard'), ('bots.active.advanced'),
        ('bots.active.L20'), ('swarms.active'), ('tasks.executed')`);
    await q.query(`
      CREATE TABLE "fairness_clocks" (
        "key" text PRIMARY KEY,
        "virtual_finish_s" double precision NOT NULL
      )`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "bot_id" uuid`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "swarm_id" uuid`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "bot_max_concurrency" int`);
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "external" boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE INDEX "tasks_bot_status" ON "tasks" ("bot_id", "status") WHERE "bot_id" IS NOT NULL`);
    // The dispatcher counts each candidate bot's in-flight tasks: keep that lookup tiny.
    await q.query(
      `CREATE INDEX "tasks_bot_inflight" ON "tasks" ("bot_id") WHERE "bot_id" IS NOT NULL AND status IN ('dispatched', 'running')`,
    );
    await q.query(`CREATE INDEX "tasks_swarm_status" ON "tasks" ("swarm_id", "status") WHERE "swarm_id" IS NOT NULL`);
    await q.query(`CREATE INDEX "tasks_batch_status" ON "tasks" ("batch_id", "status") WHERE "batch_id" IS NOT NULL`);
    await q.query(`DROP INDEX "tasks_batch"`);
    // Unused by any query; every index costs a write per task state change.
    await q.query(`DROP INDEX "tasks_status_created"`);
    await q.query(`DROP INDEX "tasks_queued_rank"`);
    await q.query(`CREATE INDEX "tasks_queued_rank" ON "tasks" ("rank" DESC) WHERE status = 'queued' AND NOT "external"`);
    await q.query(
      `CREATE INDEX "tasks_external_queued" ON "tasks" ("bot_id", "rank" DESC) WHERE status = 'queued' AND "external"`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "tasks_external_queued"`);
    await q.query(`DROP INDEX "tasks_queued_rank"`);
    await q.query(`CREATE INDEX "tasks_queued_rank" ON "tasks" ("rank" DESC) WHERE status = 'queued'`);
    await q.query(`CREATE INDEX "tasks_status_created" ON "tasks" ("status", "created_at")`);
    await q.query(`DROP INDEX "tasks_batch_status"`);
    await q.query(`CREATE INDEX "tasks_batch" ON "tasks" ("batch_id") WHERE "batch_id" IS NOT NULL`);
    await q.query(`DROP INDEX "tasks_swarm_status"`);
    await q.query(`DROP INDEX "tasks_bot_inflight"`);
    await q.query(`DROP INDEX "tasks_bot_status"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "external"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "bot_max_concurrency"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "swarm_id"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "bot_id"`);
    await q.query(`DROP TABLE "fairness_clocks"`);
    await q.query(`DROP TABLE "fleet_counters"`);
    await q.query(`DROP TABLE "bots"`);
    await q.query(`DROP TABLE "swarms"`);
  }
}
