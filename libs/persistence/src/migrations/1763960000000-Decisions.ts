import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The brain's decision counters per task type (seed 002 `get_performance_summary`:
 * total decisions; plus the sum of confidences for the average). Replicas add
 * their counts in batches.
 */
export class Decisions1763960000000 implements MigrationInterface {
  name = 'Decisions1763960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "decision_counters" (
        "task_type" text PRIMARY KEY,
        "decisions" bigint NOT NULL DEFAULT 0 CHECK ("decisions" >= 0),
        "confidence_sum" double precision NOT NULL DEFAULT 0,
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "decision_counters"`);
  }
}
