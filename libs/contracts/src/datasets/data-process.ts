import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { NotWith } from '../common/exclusive';

/**
 * `data.process`: CSV datasets cleaned, transformed and analysed by bot-runtime,
 * whole or in row ranges fanned out over a swarm (docs/datasets.md "The data.process
 * task type"; the statistics and their merges: docs/datasets.md "Statistics and
 * exact merges").
 */

/** Task type of dataset processing (aliases: `data_processing`, `distributed_analysis`, `mass_data_processing`). */
export const DATA_PROCESS_TASK_TYPE = 'data.process';

/**
 * Operations, applied in this order whatever order they are listed in: `clean`
 * (trim cells, drop empty and duplicate rows among the task's rows), `transform`
 * (cast, rename, select), `enrich` (`row_number` and `<column>_length` of each
 * string column), `analyze` (statistics or sentiment).
 */
export const DATA_OPERATIONS = ['clean', 'transform', 'enrich', 'analyze'] as const;
/** One of {@link DATA_OPERATIONS}. */
export type DataOperation = (typeof DATA_OPERATIONS)[number];

/** Column types a dataset's columns are inferred as, and `transform.cast` targets. */
export const COLUMN_TYPES = ['integer', 'number', 'boolean', 'date', 'string'] as const;
/** One of {@link COLUMN_TYPES}. */
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Analyses: per-column `statistics` (default), or AFINN `sentiment` of a text column. */
export const ANALYSIS_TYPES = ['statistics', 'sentiment'] as const;
/** One of {@link ANALYSIS_TYPES}. */
export type AnalysisType = (typeof ANALYSIS_TYPES)[number];

/** Largest inline `csv`, characters. */
export const MAX_INLINE_CSV_CHARS = 1_048_576;

/** Rows `[start, end)` of a dataset, 0-based (header excluded). */
export class RowRange {
  @IsDefined() @IsInt() @Min(0)
  start!: number;
  @IsDefined() @IsInt() @Min(1)
  end!: number;
}

/** `transform`: cast, rename, then select columns. */
export class DataTransform {
  /** Column → type to cast its cells to (a cell that does not parse becomes null). */
  @IsOptional() @IsObject()
  cast?: Record<string, ColumnType>;
  /** Old column name → new name. */
  @IsOptional() @IsObject()
  rename?: Record<string, string>;
  /** Columns to keep (after renaming), in this order. */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsString({ each: true })
  select?: string[];
}

/**
 * `data.process` data (seed shapes `data_processing` with `input_file` +
 * `operations`, `distributed_analysis` with `dataset` + `analysis_type` + `chunk_size`).
 */
export class DataProcessTaskData {
  /** Dataset id or name (`POST /datasets?name=`). Exactly one of `dataset`, `input_file`, `csv`. */
  @ValidateIf((o: DataProcessTaskData) => o.dataset !== undefined || (o.input_file === undefined && o.csv === undefined))
  @IsDefined({ message: 'give one of dataset, input_file and csv' })
  @NotWith(['input_file', 'csv'], { message: 'give one of dataset, input_file and csv, not several' })
  @IsString() @MinLength(1) @MaxLength(200)
  dataset?: string;
  /** Dataset name (the seed's word for it). */
  @IsOptional() @NotWith(['csv'], { message: 'give one of dataset, input_file and csv, not several' }) @IsString() @MinLength(1) @MaxLength(200)
  input_file?: string;
  /** The CSV itself, header first (up to 1 MiB). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(MAX_INLINE_CSV_CHARS)
  csv?: string;
  /** Operations (default `["analyze"]`). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(4) @IsIn(DATA_OPERATIONS, { each: true })
  operations?: DataOperation[];
  /** Columns to analyse (default all). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsString({ each: true })
  columns?: string[];
  /** Cast, rename, select (operation `transform`). */
  @IsOptional() @ValidateNested() @Type(() => DataTransform)
  transform?: DataTransform;
  /** Rows to process (default all): what a swarm fan-out gives each chunk. */
  @IsOptional() @ValidateNested() @Type(() => RowRange)
  row_range?: RowRange;
  /** `statistics` (default) or `sentiment`. */
  @IsOptional() @IsIn(ANALYSIS_TYPES)
  analysis_type?: AnalysisType;
  /** Text column scored by `sentiment` (default: the first text column). */
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200)
  column?: string;
  /** Rows per chunk when assigned to a swarm (`POST /swarms/{id}/tasks`): one task per chunk. */
  @IsOptional() @IsInt() @Min(1) @Max(10_000_000)
  chunk_size?: number;
  /** Result format (the seed's `output_format`); `json` is the only one. */
  @IsOptional() @IsIn(['json'])
  output_format?: 'json';
}

/** How `p50` is computed: a DDSketch (relative accuracy 1 %), mergeable exactly (docs/datasets.md "Percentiles"). */
export const P50_METHOD = 'ddsketch(relative_accuracy=0.01)';
/** How `distinct` is counted: exact up to a bound, then HyperLogLog (docs/datasets.md "Distinct values"). */
export const DISTINCT_METHOD = 'exact up to 256 values (4,096 characters), then hyperloglog(p=12)';

/** A column of a `data.process` output. */
export interface DataColumn {
  /** Name after `rename`. */
  name: string;
  /** Type: inferred at upload, or the `cast` target, `integer` for enrich columns. */
  type: ColumnType;
}

/**
 * Statistics of one column (operation `analyze`, `analysis_type: "statistics"`).
 * `min`, `max` are numbers for numeric columns and ISO text for dates (absent for
 * other types); `mean`, `stddev` (sample, n − 1) and `p50` only for `integer` and
 * `number` columns, null when there are not enough values.
 */
export interface ColumnStatistics {
  /** The column's type. */
  type: ColumnType;
  /** Non-null values. */
  count: number;
  /** Null (empty, blank or uncastable) cells. */
  nulls: number;
  /** Distinct non-null values. */
  distinct: number;
  /** True when `distinct` is a HyperLogLog estimate (more distinct values than the exact bound). */
  distinct_approx: boolean;
  /** Smallest value (numbers; dates as their text). */
  min?: number | string | null;
  /** Largest value. */
  max?: number | string | null;
  /** Mean of the values (numeric columns). */
  mean?: number | null;
  /** Sample standard deviation, n − 1 (numeric columns; null under two values). */
  stddev?: number | null;
  /** Median from the DDSketch ({@link P50_METHOD}). */
  p50?: number | null;
}

/** AFINN sentiment of a text column (`analysis_type: "sentiment"`); every field merges exactly. */
export interface SentimentStatistics {
  /** Column scored. */
  column: string;
  /** Non-null cells scored. */
  count: number;
  /** Null cells (not scored). */
  nulls: number;
  /** Sum of the AFINN scores (integers). */
  sum: number;
  /** sum / count (0 when count is 0). */
  mean: number;
  /** Cells with a score > 0. */
  positive: number;
  /** Cells with a score of 0. */
  neutral: number;
  /** Cells with a score < 0. */
  negative: number;
}

/**
 * Result of a `data.process` task, and (without `merge_state`, with `chunks`) the
 * fan-in of a swarm batch of them (docs/datasets.md "Statistics and exact merges").
 */
export interface DataProcessResult {
  /** Dataset id (null for inline `csv`). */
  dataset_id: string | null;
  /** Dataset name (null for inline `csv`). */
  dataset: string | null;
  /** Rows read, `[start, end)` (the fan-in: the union's bounds). */
  row_range: { start: number; end: number };
  /** Operations applied, in the order applied. */
  operations: DataOperation[];
  /** Rows read. */
  rows_in: number;
  /** Rows after `clean` (equal to `rows_in` without it). */
  rows_out: number;
  /** Output columns. */
  columns: DataColumn[];
  /** The analysis made (null without `analyze`). */
  analysis_type: AnalysisType | null;
  /** Per analysed column (`statistics`). */
  statistics?: Record<string, ColumnStatistics>;
  /** `sentiment`. */
  sentiment?: SentimentStatistics;
  /** Methods of the approximate fields: `{ p50, distinct }`. */
  methods?: { p50: string; distinct: string };
  /** The first output rows (up to 5) as objects. */
  sample: Record<string, string | number | boolean | null>[];
  /** Chunks merged (fan-in only). */
  chunks?: number;
  /** What a fan-in merges: per column counts, n/mean/M2, exact values or HyperLogLog registers, DDSketch bins (task results only). */
  merge_state?: Record<string, unknown>;
}
