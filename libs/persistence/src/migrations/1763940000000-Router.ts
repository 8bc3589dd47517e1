import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * task-router's tables (seed 002 components 2 and 5, issue 4 "Router" and "Module manager"):
 * - `router_modules`: registered HTTP services (`kind = 'service'`) and built-in
 *   handlers (`kind = 'builtin'`), one name space, with enabled flag, dependencies and
 *   health (probe counters and the time of the next active check);
 * - `router_policies`: routing policy per task type (`*` = the default); null columns
 *   inherit from the default;
 * - `router_counters`: persisted routing statistics (`metric`, `label` → count);
 * - `router_config_version`: one row, bumped in the same transaction as every change
 *   of modules, health or policies, so router replicas notice changes with one cheap read.
 */
export class Router1763940000000 implements MigrationInterface {
  name = 'Router1763940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "router_modules" (
        "name" text PRIMARY KEY,
        "kind" text NOT NULL CHECK ("kind" IN ('service', 'builtin')),
        "category" text NOT NULL,
        "enabled" boolean NOT NULL DEFAULT true,
        "depends_on" text[] NOT NULL DEFAULT '{}',
        "capabilities" text[] NOT NULL DEFAULT '{}',
        "endpoint" text,
        "status" text NOT NULL DEFAULT 'healthy' CHECK ("status" IN ('healthy', 'degraded', 'unhealthy')),
        "status_source" text NOT NULL DEFAULT 'registration' CHECK ("status_source" IN ('registration', 'manual', 'probe')),
        "health_check_enabled" boolean NOT NULL DEFAULT false,
        "health_check_path" text NOT NULL DEFAULT '/health',
        "consecutive_failures" int NOT NULL DEFAULT 0,
        "consecutive_successes" int NOT NULL DEFAULT 0,
        "last_checked_at" timestamptz,
        "next_check_at" timestamptz NOT NULL DEFAULT now(),
        "registered_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CHECK ("kind" = 'builtin' OR "endpoint" IS NOT NULL)
      )`);
    await q.query(`CREATE INDEX "router_modules_capabilities" ON "router_modules" USING gin ("capabilities")`);
    await q.query(`
      CREATE INDEX "router_modules_probe_due" ON "router_modules" ("next_check_at")
      WHERE "kind" = 'service' AND "health_check_enabled"`);
    await q.query(`
      CREATE TABLE "router_policies" (
        "task_type" text PRIMARY KEY,
        "strategy" text CHECK ("strategy" IN ('round_robin', 'random', 'least_loaded', 'learned')),
        "max_retries" int CHECK ("max_retries" BETWEEN 0 AND 10),
        "backoff" text CHECK ("backoff" IN ('exponential', 'linear', 'none')),
        "timeout_s" int CHECK ("timeout_s" BETWEEN 1 AND 300),
        "base_delay_ms" int CHECK ("base_delay_ms" BETWEEN 0 AND 60000),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE "router_counters" (
        "metric" text NOT NULL,
        "label" text NOT NULL DEFAULT '',
        "value" bigint NOT NULL DEFAULT 0,
        PRIMARY KEY ("metric", "label")
      )`);
    await q.query(`
      CREATE TABLE "router_config_version" (
        "id" int PRIMARY KEY CHECK ("id" = 1),
        "version" bigint NOT NULL
      )`);
    await q.query(`INSERT INTO "router_config_version" ("id", "version") VALUES (1, 1)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "router_config_version"`);
    await q.query(`DROP TABLE "router_counters"`);
    await q.query(`DROP TABLE "router_policies"`);
    await q.query(`DROP TABLE "router_modules"`);
  }
}
