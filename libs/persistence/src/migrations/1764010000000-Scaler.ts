import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The scaler's tables (issue 7): scaling rules set through `POST /scaling/rules`
 * (seed 003 `ScalingRule`) and the scaling events it applied, each with the full
 * decision (votes, target, prediction, reasoning, metrics) as JSON.
 */
export class Scaler1764010000000 implements MigrationInterface {
  name = 'Scaler1764010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "scaling_rules" (
        "name" text PRIMARY KEY,
        "metric" text NOT NULL,
        "scale_up_threshold" double precision NOT NULL,
        "scale_down_threshold" double precision NOT NULL,
        "min_instances" integer NOT NULL CHECK ("min_instances" >= 0),
        "max_instances" integer NOT NULL CHECK ("max_instances" >= 1),
        "cooldown_period" integer NOT NULL CHECK ("cooldown_period" >= 0),
        "evaluation_period" integer NOT NULL CHECK ("evaluation_period" >= 1),
        "enabled" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        CHECK ("scale_up_threshold" > "scale_down_threshold"),
        CHECK ("min_instances" <= "max_instances")
      )`);
    await q.query(`
      CREATE TABLE "scaling_events" (
        "id" bigserial PRIMARY KEY,
        "at" timestamptz NOT NULL DEFAULT now(),
        "action" text NOT NULL CHECK ("action" IN ('scale_up', 'scale_down')),
        "old_instances" integer NOT NULL,
        "new_instances" integer NOT NULL,
        "driver" text NOT NULL,
        "policy" text NOT NULL,
        "applied" boolean NOT NULL,
        "error" text,
        "decision" jsonb NOT NULL
      )`);
    await q.query(`CREATE INDEX "scaling_events_applied_at" ON "scaling_events" ("at") WHERE "applied"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "scaling_events"`);
    await q.query(`DROP TABLE "scaling_rules"`);
  }
}
