import { MigrationInterface, QueryRunner } from 'typeorm';

/** A task may name a memory context its handler receives (issue 5, seed 002 "Context"). */
export class TaskContext1763990000000 implements MigrationInterface {
  name = 'TaskContext1763990000000';

  async up(q: QueryRunner): Promise<void> {
    // Nullable without default: a catalogue-only change, no table rewrite.
    await q.query(`ALTER TABLE "tasks" ADD COLUMN "context_id" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "tasks" DROP COLUMN "context_id"`);
  }
}
