import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsPositive, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { SUGGESTION_PRIORITIES, SUGGESTION_STATUSES, SuggestionPriority, SuggestionStatus } from '@apiary/contracts';

/*
 * HTTP request shapes of /improvement and /suggestions (issue 5). They mirror the
 * NATS requests of libs/contracts/src/improvement (which self-improvement validates
 * again) and live here so the @nestjs/swagger plugin documents them (it reads
 * `*.dto.ts`). Limits are written as literals: the plugin copies literal limits only.
 */

/** `POST /improvement/analyze` body (seed 002 `analyze_performance(time_window=24)`). */
export class AnalyzeBody {
  /** Window, hours back from now: more than 0, at most 720; fractions allowed (0.01 h = 36 s). */
  // Explicit: the plugin would document @IsPositive as `minimum: 1`.
  @ApiProperty({ type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 720 })
  @IsDefined() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(720)
  time_window_hours!: number;
}

/** `GET /suggestions` query (seed 002 `get_pending_suggestions(priority=…)`), newest first. */
export class ListSuggestionsQuery {
  @IsOptional() @IsIn(SUGGESTION_STATUSES)
  status?: SuggestionStatus;

  @IsOptional() @IsIn(SUGGESTION_PRIORITIES)
  priority?: SuggestionPriority;

  /** Page size 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** `next_cursor` of the previous page. */
  @IsOptional() @Matches(/^[0-9TZ:.-]+\|[0-9a-f-]{36}$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/** Path of `/suggestions/{id}/...`. */
export class SuggestionIdParams {
  /** Suggestion id (UUID). */
  @IsDefined() @IsUUID()
  id!: string;
}

/** `POST /suggestions/{id}/reject` body. */
export class RejectSuggestionBody {
  /** Why it is rejected (1..1,000 characters). */
  @IsDefined() @IsString() @MinLength(1) @MaxLength(1000)
  reason!: string;
}
