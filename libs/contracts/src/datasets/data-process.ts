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
 * whole or in row ranges fanned out over a swarm (docs/ai-work.md "Datasets").
 */

/** Task type of dataset processing (aliases: `data_processing`, `distributed_analysis`, `mass_data_processing`). */
export const DATA_PROCESS_TASK_TYPE = 'data.process';

/** Operations, applied in this order whatever order they are listed in. */
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
