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
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { TIERS, Tier } from '../common/task';

/** Subject: create one bot. {@link CreateBotRequest} → {@link BotView}; `BOT_CAPACITY_EXCEEDED` past `APIARY_MAX_BOTS`. */
export const BRAIN_BOTS_CREATE = 'apiary.brain.bots.create';
/** Subject: read one bot with its task counters. {@link BotIdRequest} → {@link BotView}; `BOT_NOT_FOUND`. */
export const BRAIN_BOTS_GET = 'apiary.brain.bots.get';
/** Subject: list bots. {@link ListBotsRequest} → {@link BotPage}. */
export const BRAIN_BOTS_LIST = 'apiary.brain.bots.list';
/** Subject: retire a bot; its queued tasks are cancelled. {@link BotIdRequest} → {@link BotView}. */
export const BRAIN_BOTS_RETIRE = 'apiary.brain.bots.retire';
/** Subject: fleet statistics. `{}` → {@link BotStats}. */
export const BRAIN_BOTS_STATS = 'apiary.brain.bots.stats';

/** Capability names: 1..128 chars of `[A-Za-z0-9_.:-]`. */
export const CAPABILITY_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;

/** `POST /bots` body (seed 001 "Create Bot"). */
export class CreateBotRequest {
  /** Display name, 1..200 chars. */
  @IsDefined() @IsString() @MaxLength(200) @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  /** `standard`, `advanced` or `L20`. */
  @IsDefined() @IsIn(TIERS)
  tier!: Tier;

  /** Task types this bot accepts (1..100). */
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100)
  @Matches(CAPABILITY_PATTERN, { each: true, message: 'each capability must match [A-Za-z0-9_.:-]{1,128}' })
  capabilities!: string[];

  /** Tasks of this bot run at once (default 1). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  max_concurrency?: number;
}

/** A request naming one bot. */
export class BotIdRequest {
  @IsDefined() @IsUUID()
  bot_id!: string;
}

/** `GET /bots` query: filters and cursor pagination. */
export class ListBotsRequest {
  @IsOptional() @IsIn(TIERS)
  tier?: Tier;

  /** `active` or `retired`. */
  @IsOptional() @IsIn(['active', 'retired'])
  status?: 'active' | 'retired';

  /** Swarm id. */
  @IsOptional() @IsUUID()
  swarm?: string;

  /** Bots having this capability. */
  @IsOptional() @Matches(CAPABILITY_PATTERN)
  capability?: string;

  /** Page size, 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  /** Opaque cursor from the previous page's `next_cursor`. */
  @IsOptional() @IsString() @Matches(/^\d+$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/**
 * A bot as the API shows it (seed 001 "Get Bot Status"): counters are exact,
 * derived from its tasks. Times ISO-8601.
 */
export interface BotView {
  id: string;
  name: string;
  tier: Tier;
  status: 'active' | 'retired';
  capabilities: string[];
  swarm_id: string | null;
  max_concurrency: number;
  /** Tasks that succeeded (seed name). */
  tasks_completed: number;
  /** All tasks ever assigned. */
  total_tasks: number;
  /** Queued, dispatched, running or retrying. */
  pending_tasks: number;
  /** Same as `tasks_completed` (seed 001 shows both). */
  completed_tasks: number;
  /** Failed, dead, cancelled or timed out. */
  failed_tasks: number;
  last_active: string | null;
  created_at: string;
}

/** A page of bots. */
export interface BotPage {
  bots: BotView[];
  /** Pass as `cursor` for the next page; null on the last page. */
  next_cursor: string | null;
}

/** `GET /bots/stats` (seed 001 "Get Bot Statistics"), read from maintained counters. */
export interface BotStats {
  total_created: number;
  active_bots: number;
  tasks_executed: number;
  tier_distribution: Record<Tier, number>;
  swarm_count: number;
  capacity_remaining: number;
  /** active_bots / capacity × 100, one decimal. */
  utilization_percent: number;
  timestamp: string;
}
