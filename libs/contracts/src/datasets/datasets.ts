import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { COLUMN_TYPES, ColumnType } from './data-process';

/**
 * CSV datasets (docs/datasets.md): uploaded through the gateway
 * (`POST /datasets?name=`), stored by memory in row blocks, read back by row range
 * by bot-runtime's `data.process` handler. Every subject is answered by memory in
 * its queue group; the upload subjects (`begin`, `append`, `commit`, `abort`) are
 * the gateway's, one request per block so no message comes near the NATS
 * `max_payload` (1 MB by default).
 */

/** Dataset name: 1..200 characters of `[A-Za-z0-9_.:-]`, e.g. `seattle-weather.csv`. */
export const DATASET_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Message of a name that does not match {@link DATASET_NAME_PATTERN}. */
export const DATASET_NAME_MESSAGE = 'name must be 1..200 characters of [A-Za-z0-9_.:-]';
/** Dataset id or name as given to `GET /datasets/{dataset}` and task data: 1..200 characters. */
export const DATASET_REF_PATTERN = /^[A-Za-z0-9_.:-]{1,200}$/;
/** Default largest upload, bytes of CSV (256 MiB; gateway `APIARY_DATASET_MAX_BYTES`). */
export const DEFAULT_DATASET_MAX_BYTES = 268_435_456;
/** Most rows in one stored block (docs/datasets.md "Storage"). */
export const DATASET_BLOCK_ROWS = 1000;
/** A block is closed before it would exceed this many bytes of JSON (256 KiB). */
export const DATASET_BLOCK_BYTES = 262_144;
/** Largest row, bytes of its JSON (`["a","b"]`); a longer one is refused as `INVALID_CSV` (512 KiB). */
export const DATASET_MAX_ROW_BYTES = 524_288;
/** Largest CSV record csv-parse accepts, characters (`max_record_size`; 256 Ki). */
export const DATASET_MAX_RECORD_CHARS = 262_144;
/** Most columns of a dataset. */
export const DATASET_MAX_COLUMNS = 1000;
/** Default bytes of rows (JSON) in one `read` reply (512 KiB). */
export const DATASET_READ_PAGE_BYTES = 524_288;
/** Rows `GET /datasets/{dataset}` shows as objects by default. */
export const DATASET_PREVIEW_ROWS = 10;
/** A pending upload not appended to for this long is purged by memory's retention job, seconds (1 hour). */
export const DATASET_PENDING_TTL_S = 3600;

/** Subject: start an upload. {@link BeginDatasetUploadRequest} → {@link BeginDatasetUploadReply}; `DATASET_EXISTS`. */
export const MEMORY_DATASET_BEGIN = 'apiary.memory.datasets.begin';
/** Subject: store one block of rows. {@link AppendDatasetBlockRequest} → {@link AppendDatasetBlockReply}; `DATASET_NOT_FOUND`, `VALIDATION_FAILED`. */
export const MEMORY_DATASET_APPEND = 'apiary.memory.datasets.append';
/** Subject: make an upload visible. {@link CommitDatasetRequest} → {@link DatasetView}; `DATASET_EXISTS`, `DATASET_NOT_FOUND`, `VALIDATION_FAILED`. */
export const MEMORY_DATASET_COMMIT = 'apiary.memory.datasets.commit';
/** Subject: drop a pending upload and its blocks. {@link DatasetUploadRequest} → {@link DatasetUploadAborted}. */
export const MEMORY_DATASET_ABORT = 'apiary.memory.datasets.abort';
/** Subject: one dataset with its columns and first rows. {@link GetDatasetRequest} → {@link DatasetDetail}; `DATASET_NOT_FOUND`. */
export const MEMORY_DATASET_GET = 'apiary.memory.datasets.get';
/** Subject: datasets, newest first. {@link ListDatasetsRequest} → {@link DatasetList}. */
export const MEMORY_DATASET_LIST = 'apiary.memory.datasets.list';
/** Subject: delete a dataset and its blocks. {@link DatasetRefRequest} → {@link DatasetDeleted}; `DATASET_NOT_FOUND`. */
export const MEMORY_DATASET_DELETE = 'apiary.memory.datasets.delete';
/** Subject: a page of rows of a row range. {@link ReadDatasetRowsRequest} → {@link DatasetRowsPage}; `DATASET_NOT_FOUND`. */
export const MEMORY_DATASET_READ = 'apiary.memory.datasets.read';

/** A column of a dataset: header name, type inferred over every row at upload, empty cells. */
export class DatasetColumn {
  /** Header name (unique within the dataset). */
  @IsDefined() @IsString() @MinLength(1) @MaxLength(1000)
  name!: string;
  /** Inferred type: `integer`, `number`, `boolean`, `date` (ISO-8601) or `string`; empty cells do not decide it. */
  @IsDefined() @IsIn(COLUMN_TYPES)
  type!: ColumnType;
  /** Empty (or blank) cells of the column, which read as null. */
  @IsDefined() @IsInt() @Min(0)
  nulls!: number;
}

/** Request of {@link MEMORY_DATASET_BEGIN}: the name and the header row. */
export class BeginDatasetUploadRequest {
  /** Dataset name ({@link DATASET_NAME_PATTERN}), e.g. `seattle-weather.csv`. Unique among stored datasets. */
  @IsDefined() @IsString() @Matches(DATASET_NAME_PATTERN, { message: DATASET_NAME_MESSAGE })
  name!: string;
  /** Header names, in file order (1..1,000, unique). */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(DATASET_MAX_COLUMNS) @IsString({ each: true }) @MaxLength(1000, { each: true })
  header!: string[];
}

/** Reply of {@link MEMORY_DATASET_BEGIN}: the pending dataset's id (invisible until committed). */
export class BeginDatasetUploadReply {
  /** Id of the pending dataset (uuid). */
  dataset_id!: string;
  /** Its name. */
  name!: string;
}

/** Request of {@link MEMORY_DATASET_APPEND}: one block (≤ 1,000 rows, ≤ ~256 KiB of JSON). */
export class AppendDatasetBlockRequest {
  /** Pending dataset (uuid from `begin`). */
  @IsDefined() @IsString() @Matches(/^[0-9a-f-]{36}$/i, { message: 'dataset_id must be a uuid' })
  dataset_id!: string;
  /** Block number, 0-based and consecutive. A block stored twice is kept once. */
  @IsDefined() @IsInt() @Min(0)
  block_no!: number;
  /** 0-based index of the block's first row in the dataset (header excluded). */
  @IsDefined() @IsInt() @Min(0)
  first_row!: number;
  /** Rows as arrays of cell texts, each as wide as the header (checked by memory). */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(DATASET_BLOCK_ROWS) @IsArray({ each: true })
  rows!: string[][];
}

/** Reply of {@link MEMORY_DATASET_APPEND}. */
export class AppendDatasetBlockReply {
  /** The pending dataset. */
  dataset_id!: string;
  /** The block stored. */
  block_no!: number;
  /** Its rows. */
  rows!: number;
}

/** Request of {@link MEMORY_DATASET_COMMIT}: what the gateway counted, checked against the stored blocks. */
export class CommitDatasetRequest {
  /** Pending dataset (uuid from `begin`). */
  @IsDefined() @IsString() @Matches(/^[0-9a-f-]{36}$/i, { message: 'dataset_id must be a uuid' })
  dataset_id!: string;
  /** Rows stored (header excluded). */
  @IsDefined() @IsInt() @Min(0)
  rows!: number;
  /** Blocks stored. */
  @IsDefined() @IsInt() @Min(0)
  blocks!: number;
  /** Bytes of CSV received. */
  @IsDefined() @IsInt() @Min(0)
  bytes!: number;
  /** Columns with their inferred types and null counts, in header order. */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(DATASET_MAX_COLUMNS) @ValidateNested({ each: true }) @Type(() => DatasetColumn)
  columns!: DatasetColumn[];
}

/** `{ dataset_id }` of {@link MEMORY_DATASET_ABORT}. */
export class DatasetUploadRequest {
  /** Pending dataset (uuid from `begin`). */
  @IsDefined() @IsString() @Matches(/^[0-9a-f-]{36}$/i, { message: 'dataset_id must be a uuid' })
  dataset_id!: string;
}

/** Reply of {@link MEMORY_DATASET_ABORT} (also when nothing was pending under that id). */
export class DatasetUploadAborted {
  /** The upload. */
  dataset_id!: string;
  /** Always true. */
  aborted!: true;
}

/** A stored dataset (reply of `POST /datasets`, items of `GET /datasets`). */
export class DatasetView {
  /** Id (uuid). */
  dataset_id!: string;
  /** Unique name. */
  name!: string;
  /** Rows, header excluded. */
  rows!: number;
  /** Columns in header order, with inferred types and null counts. */
  columns!: DatasetColumn[];
  /** Bytes of CSV uploaded. */
  bytes!: number;
  /** When the upload was committed (ISO-8601). */
  created_at!: string;
}

/** Reply of {@link MEMORY_DATASET_GET} (`GET /datasets/{dataset}`): the dataset and its first rows. */
export class DatasetDetail extends DatasetView {
  /**
   * The first rows (up to `sample_rows`, default 10) as objects, column name →
   * value typed by the column's type (integers and numbers as JSON numbers,
   * booleans as JSON booleans, dates and strings as text), empty cells as null.
   */
  preview!: Record<string, string | number | boolean | null>[];
}

/** `{ dataset }`: a dataset by id or name, of {@link MEMORY_DATASET_DELETE} and `DELETE /datasets/{dataset}`. */
export class DatasetRefRequest {
  /** Dataset id (uuid) or name. */
  @IsDefined() @IsString() @Matches(DATASET_REF_PATTERN, { message: 'dataset must be a dataset id or a name of 1..200 characters of [A-Za-z0-9_.:-]' })
  dataset!: string;
}

/** Request of {@link MEMORY_DATASET_GET}. */
export class GetDatasetRequest extends DatasetRefRequest {
  /** Rows to show in `preview` (0..100, default 10). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(100)
  sample_rows?: number;
}

/** Request of {@link MEMORY_DATASET_LIST} (`GET /datasets?limit=&cursor=`). */
export class ListDatasetsRequest {
  /** Page size (1..1,000, default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;
  /** `next_cursor` of the previous page. */
  @IsOptional() @IsString() @MaxLength(200)
  cursor?: string;
}

/** Reply of {@link MEMORY_DATASET_LIST}: stored datasets, newest first (pending uploads are never listed). */
export class DatasetList {
  /** This page. */
  datasets!: DatasetView[];
  /** Cursor of the next page, null on the last. */
  next_cursor!: string | null;
}

/** Reply of {@link MEMORY_DATASET_DELETE} (`DELETE /datasets/{dataset}`). */
export class DatasetDeleted {
  /** Id of the deleted dataset. */
  dataset_id!: string;
  /** Always true. */
  deleted!: true;
}

/** Request of {@link MEMORY_DATASET_READ}: rows `[start, end)` of a dataset, one page per reply. */
export class ReadDatasetRowsRequest extends DatasetRefRequest {
  /** First row wanted, 0-based (header excluded). */
  @IsDefined() @IsInt() @Min(0)
  start!: number;
  /** End of the range, exclusive (default: the dataset's end; clamped to it). */
  @IsOptional() @IsInt() @Min(0)
  end?: number;
  /** Bytes of row JSON wanted in this reply (16 KiB..768 KiB, default 512 KiB); at least one block is always sent. */
  @IsOptional() @IsInt() @Min(16_384) @Max(786_432)
  max_bytes?: number;
}

/** Reply of {@link MEMORY_DATASET_READ}: rows `[start, end)` as cell texts; `next` is where the next page starts. */
export class DatasetRowsPage {
  /** Id of the dataset read (a name resolves to it). */
  dataset_id!: string;
  /** Its name. */
  name!: string;
  /** Its columns (types inferred at upload). */
  columns!: DatasetColumn[];
  /** Rows of the whole dataset. */
  rows_total!: number;
  /** First row of this page. */
  start!: number;
  /** End of this page, exclusive. */
  end!: number;
  /** Rows `start..end-1`, cell texts as uploaded (empty cells as ""). */
  rows!: string[][];
  /** Start of the next page, or null when the requested range is done. */
  next!: number | null;
}
