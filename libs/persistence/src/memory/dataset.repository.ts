import { DataSource } from 'typeorm';
import type { DatasetColumn } from '@apiary/contracts';

/** A dataset row (`datasets`). */
export interface DatasetRow {
  id: string;
  name: string;
  status: 'pending' | 'ready';
  header: string[];
  rows: number;
  columns: DatasetColumn[] | null;
  bytes: number;
  blocks: number;
  created_at: Date;
}

/** A stored block's rows and position. */
export interface DatasetBlockRows {
  block_no: number;
  first_row: number;
  rows: string[][];
}

/** Outcome of {@link DatasetRepository.commit}. */
export type CommitOutcome =
  | { status: 'committed'; dataset: DatasetRow }
  | { status: 'not_found' }
  | { status: 'name_taken' }
  | { status: 'mismatch'; stored_rows: number; stored_blocks: number };

const COLUMNS = 'id, name, status, header, rows, columns, bytes, blocks, created_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface RawDataset {
  id: string;
  name: string;
  status: 'pending' | 'ready';
  header: string[];
  rows: string | number;
  columns: DatasetColumn[] | null;
  bytes: string | number;
  blocks: number;
  created_at: Date | string;
}

function toRow(r: RawDataset): DatasetRow {
  return { ...r, rows: Number(r.rows), bytes: Number(r.bytes), blocks: Number(r.blocks), created_at: new Date(r.created_at) };
}

/** `WHERE` of a ready dataset by id or name (`$1`): an id matches first. */
function refCondition(ref: string): string {
  return UUID.test(ref) ? `status = 'ready' AND (id = $1::text::uuid OR name = $1::text)` : `status = 'ready' AND name = $1::text`;
}

/**
 * SQL access to `datasets` and `dataset_blocks` (docs/datasets.md "Storage"),
 * owned by memory. A pending dataset exists only for its upload: it is never
 * returned by {@link find}, {@link list} or {@link readBlocks}. Blocks of a row
 * range are found through the `(dataset_id, first_row)` index without reading the
 * other blocks' rows.
 */
export class DatasetRepository {
  /** @param db connected data source */
  constructor(private readonly db: DataSource) {}

  /** @returns whether a ready dataset has this name */
  async nameTaken(name: string): Promise<boolean> {
    const rows = (await this.db.query(`SELECT 1 FROM datasets WHERE status = 'ready' AND name = $1`, [name])) as unknown[];
    return rows.length > 0;
  }

  /** Creates a pending dataset. */
  async createPending(id: string, name: string, header: string[]): Promise<void> {
    await this.db.query(`INSERT INTO datasets (id, name, status, header) VALUES ($1, $2, 'pending', $3::jsonb)`, [id, name, JSON.stringify(header)]);
  }

  /** @returns the header of a pending dataset, or undefined when none is pending under this id */
  async pendingHeader(id: string): Promise<string[] | undefined> {
    const rows = (await this.db.query(`SELECT header FROM datasets WHERE id = $1 AND status = 'pending'`, [id])) as { header: string[] }[];
    return rows[0]?.header;
  }

  /**
   * Stores a block of a pending dataset (a block stored twice is kept once) and
   * marks the upload as alive.
   * @param bytes bytes of the block's JSON
   * @returns `pending: false` when no pending dataset has this id
   */
  async appendBlock(id: string, blockNo: number, firstRow: number, rows: string[][], bytes: number): Promise<{ pending: boolean }> {
    const [r] = (await this.db.query(
      `WITH d AS (UPDATE datasets SET touched_at = now() WHERE id = $1 AND status = 'pending' RETURNING id),
            ins AS (INSERT INTO dataset_blocks (dataset_id, block_no, first_row, row_count, bytes, rows)
                    SELECT id, $2, $3, $4, $5, $6::jsonb FROM d
                    ON CONFLICT DO NOTHING RETURNING 1)
       SELECT (SELECT count(*) FROM d)::int AS pending, (SELECT count(*) FROM ins)::int AS inserted`,
      [id, blockNo, firstRow, rows.length, bytes, JSON.stringify(rows)],
    )) as { pending: number; inserted: number }[];
    return { pending: r.pending > 0 };
  }

  /**
   * Makes a pending dataset ready when its stored blocks hold `rows` rows in
   * `blocks` blocks; `created_at` becomes the commit time.
   */
  async commit(id: string, rows: number, blocks: number, bytes: number, columns: DatasetColumn[]): Promise<CommitOutcome> {
    return this.db.transaction(async (em) => {
      const pending = (await em.query(`SELECT id FROM datasets WHERE id = $1 AND status = 'pending' FOR UPDATE`, [id])) as unknown[];
      if (pending.length === 0) return { status: 'not_found' as const };
      const [stored] = (await em.query(
        `SELECT count(*)::int AS blocks, coalesce(sum(row_count), 0)::bigint AS rows FROM dataset_blocks WHERE dataset_id = $1`,
        [id],
      )) as { blocks: number; rows: string }[];
      if (Number(stored.rows) !== rows || stored.blocks !== blocks) {
        return { status: 'mismatch' as const, stored_rows: Number(stored.rows), stored_blocks: stored.blocks };
      }
      try {
        await em.query('SAVEPOINT commit_dataset');
        const [updated] = (await em.query(
          `UPDATE datasets SET status = 'ready', rows = $2, blocks = $3, bytes = $4, columns = $5::jsonb,
                  created_at = date_trunc('milliseconds', now()), touched_at = now()
            WHERE id = $1 RETURNING ${COLUMNS}`,
          [id, rows, blocks, bytes, JSON.stringify(columns)],
        )) as [RawDataset[], number];
        return { status: 'committed' as const, dataset: toRow(updated[0]) };
      } catch (error) {
        if ((error as { code?: string }).code !== '23505') throw error;
        await em.query('ROLLBACK TO SAVEPOINT commit_dataset');
        await em.query(`DELETE FROM datasets WHERE id = $1`, [id]);
        return { status: 'name_taken' as const };
      }
    });
  }

  /** Deletes a pending dataset and its blocks. @returns whether one was pending */
  async deletePending(id: string): Promise<boolean> {
    const res = (await this.db.query(`DELETE FROM datasets WHERE id = $1 AND status = 'pending'`, [id])) as [unknown[], number];
    return (res[1] ?? 0) > 0;
  }

  /** @returns the ready dataset with this id or name (an id match wins), or undefined */
  async find(ref: string): Promise<DatasetRow | undefined> {
    const rows = (await this.db.query(
      `SELECT ${COLUMNS} FROM datasets WHERE ${refCondition(ref)} ORDER BY (id::text = lower($1::text)) DESC LIMIT 1`,
      [ref],
    )) as RawDataset[];
    return rows[0] ? toRow(rows[0]) : undefined;
  }

  /**
   * Ready datasets, newest first (`created_at` has millisecond precision, ties by id).
   * @param after the last row of the previous page
   */
  async list(limit: number, after?: { created_at: Date; id: string }): Promise<DatasetRow[]> {
    const rows = (await (after
      ? this.db.query(
          `SELECT ${COLUMNS} FROM datasets WHERE status = 'ready' AND (created_at, id) < ($2::timestamptz, $3::uuid)
            ORDER BY created_at DESC, id DESC LIMIT $1`,
          [limit, after.created_at.toISOString(), after.id],
        )
      : this.db.query(`SELECT ${COLUMNS} FROM datasets WHERE status = 'ready' ORDER BY created_at DESC, id DESC LIMIT $1`, [limit]))) as RawDataset[];
    return rows.map(toRow);
  }

  /** Deletes a ready dataset (by id) and its blocks. @returns whether it existed */
  async delete(id: string): Promise<boolean> {
    const res = (await this.db.query(`DELETE FROM datasets WHERE id = $1 AND status = 'ready'`, [id])) as [unknown[], number];
    return (res[1] ?? 0) > 0;
  }

  /**
   * Blocks holding rows from `start` on, in order, whole, until `maxBytes` of JSON
   * is reached (always at least one block) and never past `end`.
   * @param id a ready dataset's id
   * @param start first row wanted
   * @param end end of the range, exclusive
   * @param maxBytes bytes of block JSON wanted
   */
  async readBlocks(id: string, start: number, end: number, maxBytes: number): Promise<DatasetBlockRows[]> {
    const rows = (await this.db.query(
      `WITH first AS (
         SELECT coalesce(max(first_row), 0) AS f FROM dataset_blocks WHERE dataset_id = $1 AND first_row <= $2
       ), cand AS (
         SELECT block_no, first_row, bytes, sum(bytes) OVER (ORDER BY first_row) AS cum
           FROM (SELECT block_no, first_row, bytes FROM dataset_blocks, first
                  WHERE dataset_id = $1 AND first_row >= first.f AND first_row < $3
                  ORDER BY first_row LIMIT 256) s
       )
       SELECT b.block_no, b.first_row, b.rows
         FROM cand JOIN dataset_blocks b ON b.dataset_id = $1 AND b.block_no = cand.block_no
        WHERE cand.cum <= $4 OR cand.cum = cand.bytes
        ORDER BY b.first_row`,
      [id, start, end, maxBytes],
    )) as { block_no: number; first_row: string; rows: string[][] }[];
    return rows.map((r) => ({ block_no: r.block_no, first_row: Number(r.first_row), rows: r.rows }));
  }

  /**
   * Purges pending uploads not appended to for `olderThanS` seconds (an upload
   * abandoned by a gateway that crashed), at most `limit` per call.
   * @returns number purged
   */
  async purgeStalePending(olderThanS: number, limit = 100): Promise<number> {
    const res = (await this.db.query(
      `DELETE FROM datasets WHERE id IN (
         SELECT id FROM datasets WHERE status = 'pending' AND touched_at < now() - make_interval(secs => $1) ORDER BY touched_at LIMIT $2)`,
      [olderThanS, limit],
    )) as [unknown[], number];
    return res[1] ?? 0;
  }
}
