import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What memory learns per (task type, service) (seed 002 "What the System Learns":
 * success rates and execution times), one row per minute bucket so any window can
 * be summed from an index range. Updated by memory in the same transaction as the
 * results it counts. Later statistics (latency quantile sketches, error patterns:
 * issue 5) are further columns of the same row, merged the same way.
 */
export class ServiceStats1763950000000 implements MigrationInterface {
  name = 'ServiceStats1763950000000';

  async up(q: QueryRunner): Promise<void> {
    // fillfactor: the current minute's rows are updated many times; room on the page keeps those updates HOT.
    await q.query(`
      CREATE TABLE "service_stats" (
        "task_type" text NOT NULL,
        "bucket" timestamptz NOT NULL,
        "service" text NOT NULL,
        "count" bigint NOT NULL,
        "successes" bigint NOT NULL,
        "failures" bigint NOT NULL,
        "latency_sum_ms" double precision NOT NULL,
        "last_at" timestamptz NOT NULL,
        PRIMARY KEY ("task_type", "bucket", "service"),
        CHECK ("count" = "successes" + "failures"),
        CHECK ("bucket" = date_trunc('minute', "bucket"))
      ) WITH (fillfactor = 80)`);
    await q.query(`CREATE INDEX "service_stats_bucket" ON "service_stats" ("bucket")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "service_stats"`);
  }
}
