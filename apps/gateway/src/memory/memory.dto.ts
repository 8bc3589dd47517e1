import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

/*
 * HTTP request shapes of /memory (issue 5). They mirror the NATS requests of
 * libs/contracts/src/memory (which memory validates again) and live here so the
 * @nestjs/swagger plugin documents them (it reads `*.dto.ts`). Limits are written
 * and patterns as literals (the plugin copies literal ones only); they equal the
 * contracts' `MEMORY_TASK_TYPE_PATTERN` and `CONTEXT_ID_PATTERN`.
 */

/** Path of `/memory/patterns/{task_type}`. */
export class PatternsParams {
  /** Task type, 1..128 of `[A-Za-z0-9_.:-]`. */
  @IsDefined() @IsString() @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'task_type must match [A-Za-z0-9_.:-]{1,128}' })
  task_type!: string;
}

/** Query of `GET /memory/patterns/{task_type}`. */
export class PatternsQuery {
  /** Window, seconds back from now (default 604,800 = 7 days; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
}

/** Path of `/memory/contexts/{context_id}`. */
export class ContextIdParams {
  /** Context id: 1..128 of `[A-Za-z0-9._:-]`, starting with a letter or digit. */
  @IsDefined() @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { message: 'context_id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  context_id!: string;
}

/** `POST /memory/contexts` body (seed 002 `create_context`). Re-POSTing an id replaces that context. */
export class PutContextBody extends ContextIdParams {
  /** The context: a JSON object of at most 256 KiB. */
  @IsDefined() @IsObject()
  data!: Record<string, unknown>;

  /** Time to live, seconds (1..31,536,000; default `APIARY_MEMORY_CONTEXT_TTL_S`, 7 days). */
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000)
  ttl_s?: number;
}

/** `PATCH /memory/contexts/{context_id}` body: shallow merge; the expiry changes only with `ttl_s`. */
export class PatchContextBody {
  /** Top-level keys to set (each replaces that key; nested objects are replaced whole). */
  @IsOptional() @IsObject()
  data?: Record<string, unknown>;

  /** New time to live from now, seconds (1..31,536,000). */
  @IsOptional() @IsInt() @Min(1) @Max(31_536_000)
  ttl_s?: number;
}

/** Query of `GET /memory/relevant`. */
export class RelevantQuery {
  /** Task type. */
  @IsDefined() @IsString() @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'task_type must match [A-Za-z0-9_.:-]{1,128}' })
  task_type!: string;

  /** Results returned (default 10; 1..100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100)
  limit?: number;

  /** Window, seconds back from now (default 86,400; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;

  /** Rank results of this context first. */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, { message: 'context_id must match ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$' })
  context_id?: string;
}

/** Query of `GET /memory/short-term`. */
export class ShortTermQuery {
  /** Results returned, newest first (default and maximum: `APIARY_MEMORY_SHORT_TERM`). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(10_000)
  limit?: number;
}

/** Query of `GET /memory/stats`. */
export class MemoryStatsQuery {
  /** Only this task type (all when absent). */
  @IsOptional() @IsString() @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'task_type must match [A-Za-z0-9_.:-]{1,128}' })
  task_type?: string;

  /** Window, seconds back from now (default 3,600; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;

  /** `service` (default): per (task type, service), one sample per call; `task_type`: per type, one per result. */
  @IsOptional() @IsIn(['service', 'task_type'])
  group_by?: 'service' | 'task_type';
}

/** Query of `GET /memory/runners`. */
export class RunnerStatsQuery {
  /** Window, seconds back from now (default 3,600; 60..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(60) @Max(2_592_000)
  window_s?: number;
}

