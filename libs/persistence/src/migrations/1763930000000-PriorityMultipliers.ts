import { MigrationInterface, QueryRunner } from 'typeorm';

/** Task type priority multipliers set through the API (seed 002 "Task Type Priority Modifiers"). */
export class PriorityMultipliers1763930000000 implements MigrationInterface {
  name = 'PriorityMultipliers1763930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "priority_multipliers" (
        "type" text PRIMARY KEY,
        "multiplier" double precision NOT NULL CHECK ("multiplier" > 0),
        "updated_at" timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "priority_multipliers"`);
  }
}
