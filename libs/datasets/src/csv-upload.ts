import { Readable, Transform, TransformCallback } from 'node:stream';
import { CsvError, Options as CsvOptions, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import {
  AppendDatasetBlockRequest,
  ApiaryError,
  BeginDatasetUploadReply,
  BeginDatasetUploadRequest,
  CommitDatasetRequest,
  DATASET_BLOCK_BYTES,
  DATASET_BLOCK_ROWS,
  DATASET_MAX_COLUMNS,
  DATASET_MAX_RECORD_CHARS,
  DATASET_MAX_ROW_BYTES,
  DatasetColumn,
  DatasetView,
} from '@apiary/contracts';
import { ColumnProfiler } from './column-types';

/**
 * CSV decoding of uploads (docs/datasets.md "Upload"): RFC 4180 through
 * csv-parse's streaming parser, a header row first, every row as wide as the
 * header, rows grouped into blocks of at most {@link DATASET_BLOCK_ROWS} rows and
 * {@link DATASET_BLOCK_BYTES} bytes of JSON, each block handed to a sink and
 * awaited before more is read (the source is paused meanwhile: backpressure), and
 * column types inferred on the way.
 */

/** csv-parse options of every dataset: byte-order mark dropped, blank lines skipped, records bounded. */
export const CSV_OPTIONS: CsvOptions = {
  bom: true,
  skip_empty_lines: true,
  max_record_size: DATASET_MAX_RECORD_CHARS,
  relax_column_count: false,
};

/** Where {@link uploadCsv} stores what it parses (memory over NATS, in the gateway). */
export interface DatasetUploadSink {
  /** Starts a pending dataset. @throws ApiaryError `DATASET_EXISTS` */
  begin(request: BeginDatasetUploadRequest): Promise<BeginDatasetUploadReply>;
  /** Stores one block; resolves when it is stored. */
  append(request: AppendDatasetBlockRequest): Promise<unknown>;
  /** Makes the dataset visible. @throws ApiaryError `DATASET_EXISTS` (taken meanwhile) */
  commit(request: CommitDatasetRequest): Promise<DatasetView>;
  /** Drops a pending dataset and its blocks (best effort). */
  abort(datasetId: string): Promise<unknown>;
}

/** Limits of {@link uploadCsv}. */
export interface CsvUploadLimits {
  /** Largest body, bytes (`APIARY_DATASET_MAX_BYTES`). */
  maxBytes: number;
  /** Rows per block (default {@link DATASET_BLOCK_ROWS}). */
  blockRows?: number;
  /** Bytes of JSON per block (default {@link DATASET_BLOCK_BYTES}). */
  blockBytes?: number;
}

/**
 * @param line 1-based line of the input
 * @param reason what is wrong
 * @returns the `INVALID_CSV` error (422), message `line N: reason`
 */
export function invalidCsv(line: number, reason: string): ApiaryError {
  return new ApiaryError('INVALID_CSV', `line ${line}: ${reason}`, { line, reason });
}

/**
 * Maps a csv-parse error to `INVALID_CSV` naming the line (csv-parse counts lines
 * from 1; a record spanning lines is reported at the line where it ends).
 * @param error what the parser threw
 * @param width the header's width, when known
 */
export function csvErrorToApiary(error: unknown, width?: number): ApiaryError {
  if (error instanceof ApiaryError) return error;
  // csv-parse and csv-parse/sync each bundle their own CsvError class: match by shape.
  if (error instanceof CsvError || (error instanceof Error && typeof (error as CsvError).code === 'string' && typeof (error as { lines?: unknown }).lines === 'number')) {
    const e = error as CsvError & { lines?: number; record?: unknown[] };
    const line = e.lines ?? 0;
    if (e.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH') {
      const got = Array.isArray(e.record) ? e.record.length : undefined;
      const expected = width ?? /expect (\d+)/.exec(e.message)?.[1] ?? 'as many';
      return invalidCsv(line, `expected ${expected} fields like the header, got ${got ?? 'a different number'}`);
    }
    if (e.code === 'CSV_MAX_RECORD_SIZE') return invalidCsv(line, `record longer than ${DATASET_MAX_RECORD_CHARS} characters`);
    return invalidCsv(line, e.message.replace(/\s+at line \d+/, '').replace(/\s+on line \d+/, ''));
  }
  return error as ApiaryError;
}

/**
 * Checks the header row: 1..1,000 columns, names unique; an empty name becomes
 * `column_<n>` (1-based position).
 * @throws ApiaryError `INVALID_CSV` (line 1) naming the problem
 */
export function checkHeader(record: string[], line = 1): string[] {
  if (record.length > DATASET_MAX_COLUMNS) throw invalidCsv(line, `header has ${record.length} columns, at most ${DATASET_MAX_COLUMNS} allowed`);
  const header = record.map((name, i) => (name.trim().length === 0 ? `column_${i + 1}` : name.trim()));
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw invalidCsv(line, `column name "${name}" appears twice in the header`);
    seen.add(name);
  }
  return header;
}

/** Counts bytes and fails with `PAYLOAD_TOO_LARGE` past the limit. */
class ByteLimit extends Transform {
  bytes = 0;
  constructor(private readonly max: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.max) done(new ApiaryError('PAYLOAD_TOO_LARGE', `body: the CSV exceeds ${this.max} bytes (APIARY_DATASET_MAX_BYTES)`, { limit: this.max }));
    else done(null, chunk);
  }
}

/**
 * Streams a CSV body into a dataset: header → `begin`, blocks → `append` (each
 * awaited before reading on), end → `commit`. Any failure (malformed CSV, too
 * large, the source erroring or closing early, the sink failing) aborts the
 * pending dataset, so nothing is listed, and is rethrown. The source is never
 * destroyed here (the caller may still answer on its connection); on failure it
 * is unpiped and left to the caller.
 * @param source the body (e.g. the HTTP request)
 * @param name dataset name (validated by the caller)
 * @param sink memory
 * @param limits size limits
 * @returns the committed dataset
 * @throws ApiaryError `INVALID_CSV` (422, naming the line; also for an empty body),
 *   `PAYLOAD_TOO_LARGE` (413), `DATASET_EXISTS` (409), or the sink's error
 */
export async function uploadCsv(source: Readable, name: string, sink: DatasetUploadSink, limits: CsvUploadLimits): Promise<DatasetView> {
  const blockRows = limits.blockRows ?? DATASET_BLOCK_ROWS;
  const blockBytes = limits.blockBytes ?? DATASET_BLOCK_BYTES;
  const counter = new ByteLimit(limits.maxBytes);
  const parser = parse({ ...CSV_OPTIONS, info: true });
  const onSourceError = (err: Error) => counter.destroy(err);
  const onSourceClose = () => {
    if (!source.readableEnded) counter.destroy(new ApiaryError('VALIDATION_FAILED', 'body: the client closed the connection before the end of the CSV'));
  };
  source.on('error', onSourceError);
  source.on('close', onSourceClose);
  counter.on('error', (err) => parser.destroy(err));
  source.pipe(counter).pipe(parser);

  let header: string[] | undefined;
  let profiler: ColumnProfiler | undefined;
  let datasetId: string | undefined;
  let block: string[][] = [];
  let bytesInBlock = 2;
  let blockNo = 0;
  let rows = 0;
  const flush = async () => {
    const request: AppendDatasetBlockRequest = { dataset_id: datasetId as string, block_no: blockNo, first_row: rows - block.length, rows: block };
    await sink.append(request);
    blockNo++;
    block = [];
    bytesInBlock = 2;
  };
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      const { record, info } = item;
      if (!header) {
        header = checkHeader(record, info.lines);
        profiler = new ColumnProfiler(header);
        datasetId = (await sink.begin({ name, header })).dataset_id;
        continue;
      }
      const rowBytes = Buffer.byteLength(JSON.stringify(record)) + 1;
      if (rowBytes > DATASET_MAX_ROW_BYTES) throw invalidCsv(info.lines, `row larger than ${DATASET_MAX_ROW_BYTES} bytes`);
      if (block.length > 0 && (block.length >= blockRows || bytesInBlock + rowBytes > blockBytes)) await flush();
      block.push(record);
      bytesInBlock += rowBytes;
      rows++;
      (profiler as ColumnProfiler).observe(record);
    }
    if (!header || !datasetId) throw invalidCsv(1, 'the body is empty: a header row is required');
    if (block.length > 0) await flush();
    return await sink.commit({ dataset_id: datasetId, rows, blocks: blockNo, bytes: counter.bytes, columns: (profiler as ColumnProfiler).columns() });
  } catch (error) {
    source.unpipe(counter);
    if (!parser.destroyed) parser.destroy();
    if (datasetId) await sink.abort(datasetId).catch(() => undefined);
    throw csvErrorToApiary(error, header?.length);
  } finally {
    source.off('error', onSourceError);
    source.off('close', onSourceClose);
  }
}

/** A CSV held in memory: header, rows and inferred columns (inline `csv` of a task). */
export interface ParsedCsv {
  /** Columns with inferred types and null counts. */
  columns: DatasetColumn[];
  /** Rows as cell texts. */
  rows: string[][];
}

/**
 * Parses an inline CSV (≤ 1 MiB, `data.csv` of a task) with the options of uploads.
 * @throws ApiaryError `INVALID_CSV` naming the line
 */
export function parseCsvText(text: string): ParsedCsv {
  let records: string[][];
  try {
    records = parseSync(text, CSV_OPTIONS) as string[][];
  } catch (error) {
    throw csvErrorToApiary(error, undefined);
  }
  if (records.length === 0) throw invalidCsv(1, 'the CSV is empty: a header row is required');
  const header = checkHeader(records[0]);
  const rows = records.slice(1);
  const profiler = new ColumnProfiler(header);
  for (const r of rows) profiler.observe(r);
  return { columns: profiler.columns(), rows };
}
