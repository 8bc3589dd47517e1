import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Memory, issue 5 (seed 002 component 3 "Memory System", "What the System Learns"):
 * - `task_results` records who ran a result (routed service, bot, swarm), the
 *   context it ran in and a digest of its parameters; an index on `finished_at`
 *   serves short-term memory (the last N results);
 * - `memory_stats`: long-term statistics per task type (`service` = `*`) and per
 *   (task type, service), in minute and hour buckets, with a latency HDR
 *   histogram and the top error patterns per row (read-modify-written under the
 *   row lock, once per batch); hour rows keep 30 days cheap to read;
 * - `runner_stats`: results and busy time per bot-runtime replica;
 * - `memory_contexts`: contexts with an expiry, purged periodically.
 */
export class MemoryLongTerm1763970000000 implements MigrationInterface {
  name = 'MemoryLongTerm1763970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "task_results"
        ADD COLUMN "service" text,
        ADD COLUMN "bot_id" text,
        ADD COLUMN "swarm_id" text,
        ADD COLUMN "context_id" text,
        ADD COLUMN "params" jsonb`);
    await q.query(`CREATE INDEX "task_results_finished" ON "task_results" ("finished_at")`);
    // fillfactor: the current minute's and hour's rows are updated by every batch; room on the page keeps those updates HOT.
    await q.query(`
      CREATE TABLE "memory_stats" (
        "task_type" text NOT NULL,
        "service" text NOT NULL,
        "res" text NOT NULL,
        "bucket" timestamptz NOT NULL,
        "count" bigint NOT NULL,
        "successes" bigint NOT NULL,
        "failures" bigint NOT NULL,
        "latency_sum_ms" double precision NOT NULL,
        "last_at" timestamptz NOT NULL,
        "latency_hist" text NOT NULL,
        "errors" jsonb NOT NULL DEFAULT '[]',
        PRIMARY KEY ("task_type", "service", "res", "bucket"),
        CHECK ("count" = "successes" + "failures"),
        CHECK ("res" IN ('m', 'h')),
        CHECK (extract(epoch FROM "bucket")::bigint % (CASE "res" WHEN 'm' THEN 60 ELSE 3600 END) = 0)
      ) WITH (fillfactor = 70)`);
    await q.query(`CREATE INDEX "memory_stats_res_bucket" ON "memory_stats" ("res", "bucket")`);
    await q.query(`
      CREATE TABLE "runner_stats" (
        "runner" text NOT NULL,
        "res" text NOT NULL,
        "bucket" timestamptz NOT NULL,
        "count" bigint NOT NULL,
        "busy_ms" double precision NOT NULL,
        "last_at" timestamptz NOT NULL,
        PRIMARY KEY ("runner", "res", "bucket"),
        CHECK ("res" IN ('m', 'h')),
        CHECK (extract(epoch FROM "bucket")::bigint % (CASE "res" WHEN 'm' THEN 60 ELSE 3600 END) = 0)
      ) WITH (fillfactor = 80)`);
    await q.query(`CREATE INDEX "runner_stats_res_bucket" ON "runner_stats" ("res", "bucket")`);
    await q.query(`
      CREATE TABLE "memory_contexts" (
        "context_id" text PRIMARY KEY,
        "data" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL,
        "updated_at" timestamptz NOT NULL,
        "expires_at" timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX "memory_contexts_expires" ON "memory_contexts" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "memory_contexts"`);
    await q.query(`DROP TABLE "runner_stats"`);
    await q.query(`DROP TABLE "memory_stats"`);
    await q.query(`DROP INDEX "task_results_finished"`);
    await q.query(`
      ALTER TABLE "task_results"
        DROP COLUMN "service", DROP COLUMN "bot_id", DROP COLUMN "swarm_id", DROP COLUMN "context_id", DROP COLUMN "params"`);
  }
}
