import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * AI work (docs/ai-work.md):
 * - task-router: a service's wire protocol, models (with classes), API-key
 *   variable name, prices and limits (`router_modules`); cost weight and result
 *   cache TTL per routing policy; provider limits held across replicas —
 *   `router_quota` (one GCRA schedule for requests and one for tokens per service,
 *   and the pause a 429 asked for), `router_quota_leases` (calls in flight, with an
 *   expiry so a dead replica's leases lapse), `router_quota_usage` (per-second
 *   requests and tokens, for `usage` and the admission rate);
 * - orchestrator-brain: per task its quota group (dispatch gate), the API key that
 *   submitted it, its result-cache key and TTL, and a partial index serving the
 *   gated claim; `result_cache`; `budgets` (spend per batch, swarm or workflow run);
 * - memory: the model, tokens, cost and cache flag of each result and the API key
 *   that submitted it; cost and token sums in `service_stats` (learned routing
 *   weighs cost).
 */
export class AiWork1764040000000 implements MigrationInterface {
  name = 'AiWork1764040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "router_modules"
        ADD COLUMN "protocol" text NOT NULL DEFAULT 'process' CHECK ("protocol" IN ('process', 'openai')),
        ADD COLUMN "models" jsonb NOT NULL DEFAULT '[]'::jsonb,
        ADD COLUMN "api_key_env" text,
        ADD COLUMN "pricing" jsonb NOT NULL DEFAULT '{}'::jsonb,
        ADD COLUMN "limits" jsonb NOT NULL DEFAULT '{}'::jsonb`);
    await q.query(`
      ALTER TABLE "router_policies"
        ADD COLUMN "cost_weight" double precision CHECK ("cost_weight" BETWEEN 0 AND 10),
        ADD COLUMN "cache_ttl_s" int CHECK ("cache_ttl_s" BETWEEN 0 AND 2592000)`);
    // Times are epoch milliseconds (double precision): the GCRA arithmetic adds
    // fractional emission intervals, and now() in ms is what every replica compares.
    await q.query(`
      CREATE TABLE "router_quota" (
        "service" text PRIMARY KEY,
        "request_tat_ms" double precision NOT NULL DEFAULT 0,
        "token_tat_ms" double precision NOT NULL DEFAULT 0,
        "throttled_until_ms" double precision NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE "router_quota_leases" (
        "permit_id" uuid PRIMARY KEY,
        "service" text NOT NULL,
        "expires_at_ms" double precision NOT NULL
      )`);
    await q.query(`CREATE INDEX "router_quota_leases_service" ON "router_quota_leases" ("service", "expires_at_ms")`);
    await q.query(`
      CREATE TABLE "router_quota_usage" (
        "service" text NOT NULL,
        "second" bigint NOT NULL,
        "requests" bigint NOT NULL DEFAULT 0,
        "tokens" bigint NOT NULL DEFAULT 0,
        PRIMARY KEY ("service", "second")
      ) WITH (fillfactor = 80)`);

    await q.query(`
      ALTER TABLE "tasks"
        ADD COLUMN "quota_group" text,
        ADD COLUMN "submitted_by" text,
        ADD COLUMN "cache_key" text,
        ADD COLUMN "cache_ttl_s" int`);
    await q.query(`
      CREATE INDEX "tasks_queued_quota_group" ON "tasks" ("quota_group", "rank" DESC)
      WHERE status = 'queued' AND "quota_group" IS NOT NULL`);
    await q.query(`
      CREATE TABLE "result_cache" (
        "key" text PRIMARY KEY,
        "task_type" text NOT NULL,
        "result" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX "result_cache_expires" ON "result_cache" ("expires_at")`);
    await q.query(`INSERT INTO "fleet_counters" ("key") VALUES ('cache.hits'), ('cache.misses') ON CONFLICT DO NOTHING`);
    await q.query(`
      CREATE TABLE "budgets" (
        "scope" text PRIMARY KEY,
        "max_cost_usd" double precision NOT NULL CHECK ("max_cost_usd" >= 0),
        "spent_usd" double precision NOT NULL DEFAULT 0,
        "exceeded_at" timestamptz,
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      ALTER TABLE "task_results"
        ADD COLUMN "model" text,
        ADD COLUMN "prompt_tokens" int,
        ADD COLUMN "completion_tokens" int,
        ADD COLUMN "cost_usd" double precision,
        ADD COLUMN "cached" boolean NOT NULL DEFAULT false,
        ADD COLUMN "api_key" text`);
    await q.query(`
      ALTER TABLE "service_stats"
        ADD COLUMN "cost_usd_sum" double precision NOT NULL DEFAULT 0,
        ADD COLUMN "tokens_sum" bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "service_stats" DROP COLUMN "cost_usd_sum", DROP COLUMN "tokens_sum"`);
    await q.query(`
      ALTER TABLE "task_results" DROP COLUMN "model", DROP COLUMN "prompt_tokens", DROP COLUMN "completion_tokens",
        DROP COLUMN "cost_usd", DROP COLUMN "cached", DROP COLUMN "api_key"`);
    await q.query(`DROP TABLE "budgets"`);
    await q.query(`DELETE FROM "fleet_counters" WHERE "key" IN ('cache.hits', 'cache.misses')`);
    await q.query(`DROP TABLE "result_cache"`);
    await q.query(`DROP INDEX "tasks_queued_quota_group"`);
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "quota_group", DROP COLUMN "submitted_by", DROP COLUMN "cache_key", DROP COLUMN "cache_ttl_s"`);
    await q.query(`DROP TABLE "router_quota_usage"`);
    await q.query(`DROP TABLE "router_quota_leases"`);
    await q.query(`DROP TABLE "router_quota"`);
    await q.query(`ALTER TABLE "router_policies" DROP COLUMN "cost_weight", DROP COLUMN "cache_ttl_s"`);
    await q.query(`
      ALTER TABLE "router_modules" DROP COLUMN "protocol", DROP COLUMN "models", DROP COLUMN "api_key_env",
        DROP COLUMN "pricing", DROP COLUMN "limits"`);
  }
}
