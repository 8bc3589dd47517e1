import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * CSV datasets, memory's tables (docs/datasets.md "Storage"):
 * - `datasets`: one row per upload; `pending` while blocks arrive (never listed nor
 *   read), `ready` once committed. Names are unique among ready datasets (a partial
 *   unique index, so two uploads of one name may race and the second commit loses
 *   with `DATASET_EXISTS`). `touched_at` is the last append: pending uploads not
 *   touched for an hour are purged by memory's retention job.
 * - `dataset_blocks`: the rows in blocks of ≤ 1,000 rows / ~256 KiB of JSON, an array
 *   of arrays of cell texts each, keyed by (dataset, block number) with the first
 *   row's index, so a row range is read block by block through
 *   `(dataset_id, first_row)`. Deleting a dataset deletes its blocks.
 */
export class Datasets1764030000000 implements MigrationInterface {
  name = 'Datasets1764030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "datasets" (
        "id" uuid PRIMARY KEY,
        "name" text NOT NULL,
        "status" text NOT NULL CHECK ("status" IN ('pending', 'ready')),
        "header" jsonb NOT NULL,
        "rows" bigint NOT NULL DEFAULT 0,
        "columns" jsonb,
        "bytes" bigint NOT NULL DEFAULT 0,
        "blocks" int NOT NULL DEFAULT 0,
        "created_at" timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
        "touched_at" timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX "datasets_name_ready" ON "datasets" ("name") WHERE "status" = 'ready'`);
    await q.query(`CREATE INDEX "datasets_ready_created" ON "datasets" ("created_at" DESC, "id" DESC) WHERE "status" = 'ready'`);
    await q.query(`CREATE INDEX "datasets_pending_touched" ON "datasets" ("touched_at") WHERE "status" = 'pending'`);
    await q.query(`
      CREATE TABLE "dataset_blocks" (
        "dataset_id" uuid NOT NULL REFERENCES "datasets" ("id") ON DELETE CASCADE,
        "block_no" int NOT NULL CHECK ("block_no" >= 0),
        "first_row" bigint NOT NULL CHECK ("first_row" >= 0),
        "row_count" int NOT NULL CHECK ("row_count" > 0),
        "bytes" int NOT NULL,
        "rows" jsonb NOT NULL,
        PRIMARY KEY ("dataset_id", "block_no")
      )`);
    await q.query(`CREATE UNIQUE INDEX "dataset_blocks_first_row" ON "dataset_blocks" ("dataset_id", "first_row")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "dataset_blocks"`);
    await q.query(`DROP TABLE "datasets"`);
  }
}
