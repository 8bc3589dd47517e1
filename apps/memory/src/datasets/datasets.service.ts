import { randomUUID } from 'node:crypto';
import {
  AppendDatasetBlockReply,
  AppendDatasetBlockRequest,
  ApiaryError,
  BeginDatasetUploadReply,
  BeginDatasetUploadRequest,
  CommitDatasetRequest,
  DATASET_PREVIEW_ROWS,
  DATASET_READ_PAGE_BYTES,
  DatasetDeleted,
  DatasetDetail,
  DatasetList,
  DatasetRefRequest,
  DatasetRowsPage,
  DatasetUploadAborted,
  DatasetUploadRequest,
  DatasetView,
  GetDatasetRequest,
  ListDatasetsRequest,
  ReadDatasetRowsRequest,
} from '@apiary/contracts';
import { parseCell } from '@apiary/datasets';
import type { DatasetRepository, DatasetRow } from '@apiary/persistence';

function view(row: DatasetRow): DatasetView {
  return { dataset_id: row.id, name: row.name, rows: row.rows, columns: row.columns ?? [], bytes: row.bytes, created_at: row.created_at.toISOString() };
}

function notFound(ref: string): ApiaryError {
  return new ApiaryError('DATASET_NOT_FOUND', `dataset "${ref}" not found`, { dataset: ref });
}

function invalid(field: string, constraint: string): ApiaryError {
  return new ApiaryError('VALIDATION_FAILED', `${field}: ${constraint}`, [{ field, constraints: [constraint] }]);
}

function encodeCursor(row: DatasetRow): string {
  return Buffer.from(JSON.stringify([row.created_at.toISOString(), row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { created_at: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    const created = new Date(at);
    if (Number.isNaN(created.getTime()) || !/^[0-9a-f-]{36}$/i.test(id)) throw new Error('bad cursor');
    return { created_at: created, id };
  } catch {
    throw invalid('cursor', 'must be a next_cursor of GET /datasets');
  }
}

/**
 * Dataset storage (docs/datasets.md "Upload", "Storage", "Reading by range"):
 * uploads arrive as `begin`, blocks, `commit` (or `abort`); a dataset is visible to
 * `get`, `list`, `read` and `delete` only once committed. Reads come back in pages
 * of whole blocks (≤ 512 KiB of rows by default), sliced to the range asked.
 */
export class DatasetsService {
  /** @param repo dataset storage */
  constructor(private readonly repo: DatasetRepository) {}

  /**
   * Starts a pending upload.
   * @throws DATASET_EXISTS when a stored dataset has the name
   * @throws VALIDATION_FAILED (field `header`) when two columns share a name
   */
  async begin(req: BeginDatasetUploadRequest): Promise<BeginDatasetUploadReply> {
    if (new Set(req.header).size !== req.header.length) throw invalid('header', 'column names must be unique');
    if (await this.repo.nameTaken(req.name)) {
      throw new ApiaryError('DATASET_EXISTS', `name: a dataset named "${req.name}" exists (DELETE /datasets/${req.name} first)`, { name: req.name });
    }
    const id = randomUUID();
    await this.repo.createPending(id, req.name, req.header);
    return { dataset_id: id, name: req.name };
  }

  /**
   * Stores one block of a pending upload.
   * @throws DATASET_NOT_FOUND when no upload is pending under the id (aborted, purged, committed)
   * @throws VALIDATION_FAILED (field `rows.N`) when a row is not an array of strings as wide as the header
   */
  async append(req: AppendDatasetBlockRequest): Promise<AppendDatasetBlockReply> {
    const header = await this.repo.pendingHeader(req.dataset_id);
    if (!header) throw new ApiaryError('DATASET_NOT_FOUND', `no upload is pending as ${req.dataset_id}`, { dataset_id: req.dataset_id });
    req.rows.forEach((row, i) => {
      if (!Array.isArray(row) || row.length !== header.length || !row.every((c) => typeof c === 'string')) {
        throw invalid(`rows.${i}`, `must be an array of ${header.length} strings (the header's width)`);
      }
    });
    const json = JSON.stringify(req.rows);
    const { pending } = await this.repo.appendBlock(req.dataset_id, req.block_no, req.first_row, req.rows, Buffer.byteLength(json));
    if (!pending) throw new ApiaryError('DATASET_NOT_FOUND', `no upload is pending as ${req.dataset_id}`, { dataset_id: req.dataset_id });
    return { dataset_id: req.dataset_id, block_no: req.block_no, rows: req.rows.length };
  }

  /**
   * Makes a pending upload a stored dataset.
   * @throws DATASET_NOT_FOUND when nothing is pending under the id
   * @throws DATASET_EXISTS when another upload of the name was committed first (this one is dropped)
   * @throws VALIDATION_FAILED when the counts or columns do not match what was stored (the upload is dropped)
   */
  async commit(req: CommitDatasetRequest): Promise<DatasetView> {
    const header = await this.repo.pendingHeader(req.dataset_id);
    if (!header) throw new ApiaryError('DATASET_NOT_FOUND', `no upload is pending as ${req.dataset_id}`, { dataset_id: req.dataset_id });
    if (req.columns.length !== header.length || req.columns.some((c, i) => c.name !== header[i])) {
      await this.repo.deletePending(req.dataset_id);
      throw invalid('columns', 'must list the header\'s columns in order');
    }
    const outcome = await this.repo.commit(req.dataset_id, req.rows, req.blocks, req.bytes, req.columns);
    switch (outcome.status) {
      case 'committed':
        return view(outcome.dataset);
      case 'not_found':
        throw new ApiaryError('DATASET_NOT_FOUND', `no upload is pending as ${req.dataset_id}`, { dataset_id: req.dataset_id });
      case 'name_taken':
        throw new ApiaryError('DATASET_EXISTS', 'name: another upload of this name was stored first', { dataset_id: req.dataset_id });
      case 'mismatch':
        await this.repo.deletePending(req.dataset_id);
        throw invalid('rows', `${outcome.stored_rows} rows in ${outcome.stored_blocks} blocks were stored, not ${req.rows} in ${req.blocks}`);
    }
  }

  /** Drops a pending upload and its blocks (idempotent). */
  async abort(req: DatasetUploadRequest): Promise<DatasetUploadAborted> {
    await this.repo.deletePending(req.dataset_id);
    return { dataset_id: req.dataset_id, aborted: true };
  }

  /** A dataset and its first rows as typed objects. @throws DATASET_NOT_FOUND */
  async get(req: GetDatasetRequest): Promise<DatasetDetail> {
    const row = await this.repo.find(req.dataset);
    if (!row) throw notFound(req.dataset);
    const wanted = Math.min(req.sample_rows ?? DATASET_PREVIEW_ROWS, row.rows);
    const preview: DatasetDetail['preview'] = [];
    const columns = row.columns ?? [];
    let next = 0;
    while (preview.length < wanted) {
      const blocks = await this.repo.readBlocks(row.id, next, wanted, 1);
      if (blocks.length === 0) break;
      for (const b of blocks) {
        for (const cells of b.rows) {
          if (preview.length >= wanted) break;
          preview.push(Object.fromEntries(columns.map((c, i) => [c.name, parseCell(c.type, cells[i] ?? '')])));
        }
        next = b.first_row + b.rows.length;
      }
    }
    return { ...view(row), preview };
  }

  /** Stored datasets, newest first. @throws VALIDATION_FAILED (field `cursor`) */
  async list(req: ListDatasetsRequest): Promise<DatasetList> {
    const limit = req.limit ?? 100;
    const rows = await this.repo.list(limit + 1, req.cursor ? decodeCursor(req.cursor) : undefined);
    const page = rows.slice(0, limit);
    return { datasets: page.map(view), next_cursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  /** Deletes a dataset (by id or name) and its blocks. @throws DATASET_NOT_FOUND */
  async delete(req: DatasetRefRequest): Promise<DatasetDeleted> {
    const row = await this.repo.find(req.dataset);
    if (!row || !(await this.repo.delete(row.id))) throw notFound(req.dataset);
    return { dataset_id: row.id, deleted: true };
  }

  /**
   * A page of rows `[start, end)`: whole blocks up to `max_bytes`, sliced to the range.
   * @throws DATASET_NOT_FOUND
   */
  async read(req: ReadDatasetRowsRequest): Promise<DatasetRowsPage> {
    const row = await this.repo.find(req.dataset);
    if (!row) throw notFound(req.dataset);
    const end = Math.min(req.end ?? row.rows, row.rows);
    const start = Math.min(req.start, end);
    const base = { dataset_id: row.id, name: row.name, columns: row.columns ?? [], rows_total: row.rows, start };
    if (start >= end) return { ...base, end: start, rows: [], next: null };
    const blocks = await this.repo.readBlocks(row.id, start, end, req.max_bytes ?? DATASET_READ_PAGE_BYTES);
    const rows: string[][] = [];
    let pageEnd = start;
    for (const b of blocks) {
      const from = Math.max(start, b.first_row) - b.first_row;
      const to = Math.min(end, b.first_row + b.rows.length) - b.first_row;
      if (to > from) rows.push(...b.rows.slice(from, to));
      pageEnd = Math.max(pageEnd, b.first_row + to);
    }
    return { ...base, end: pageEnd, rows, next: pageEnd < end ? pageEnd : null };
  }
}
