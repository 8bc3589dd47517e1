import { Type } from 'class-transformer';
import { IsDefined, IsInt, IsNumber, IsOptional, IsString, IsUUID, Matches, Max, Min } from 'class-validator';
import { MAX_BUDGET_USD } from '../brain/submit';
import { Tier } from '../common/task';
import { CreateBotRequest } from './bot';

/** Subject: create a swarm of `count` bots. {@link CreateSwarmRequest} → {@link SwarmCreatedView}. */
export const BRAIN_SWARMS_CREATE = 'apiary.brain.swarms.create';
/** Subject: read a swarm. {@link SwarmIdRequest} → {@link SwarmView}; `SWARM_NOT_FOUND`. */
export const BRAIN_SWARMS_GET = 'apiary.brain.swarms.get';
/** Subject: page through a swarm's bot ids. {@link SwarmBotsRequest} → {@link SwarmBotPage}. */
export const BRAIN_SWARMS_BOTS = 'apiary.brain.swarms.bots';
/** Subject: grow or shrink a swarm to `count` bots. {@link ResizeSwarmRequest} → {@link SwarmView}. */
export const BRAIN_SWARMS_RESIZE = 'apiary.brain.swarms.resize';
/** Subject: delete a swarm (retires its bots, cancels their queued tasks). {@link SwarmIdRequest} → {@link SwarmView}. */
export const BRAIN_SWARMS_DELETE = 'apiary.brain.swarms.delete';

/** Largest swarm in one request (the deployment limit `APIARY_MAX_BOTS` applies too). */
export const MAX_SWARM_SIZE = 50_000;
/** Bot ids in one page of a swarm listing. */
export const SWARM_PAGE_SIZE = 100;

/**
 * `POST /swarms` body (seed 001 "Create Bot Swarm"): the bots' template (name
 * prefix, tier, capabilities, per-bot concurrency; see {@link CreateBotRequest})
 * and how many to create.
 */
export class CreateSwarmRequest extends CreateBotRequest {
  /** Bots to create, 1..50,000. */
  @IsDefined() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_SWARM_SIZE)
  count!: number;

  /**
   * Budget of the swarm, USD (docs/ai-work.md "Budgets"): once its tasks have spent
   * it, those not started end `cancelled` with `BUDGET_EXCEEDED`, and new ones are refused.
   */
  @IsOptional() @IsNumber() @Min(0) @Max(MAX_BUDGET_USD)
  max_cost_usd?: number;
}

/** A request naming one swarm. */
export class SwarmIdRequest {
  @IsDefined() @IsUUID()
  swarm_id!: string;
}

/** `GET /swarms/{id}/bots` query. */
export class SwarmBotsRequest extends SwarmIdRequest {
  /** Page size 1..1,000 (default 100). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;

  @IsOptional() @IsString() @Matches(/^\d+$/, { message: 'cursor must come from next_cursor' })
  cursor?: string;
}

/** `PATCH /swarms/{id}` body: the new bot count (adds or retires bots). */
export class ResizeSwarmRequest extends SwarmIdRequest {
  @IsDefined() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_SWARM_SIZE)
  count!: number;
}

/** Reply of swarm creation: seed fields, with `bot_ids` paginated. */
export interface SwarmCreatedView {
  id: string;
  name: string;
  bot_count: number;
  tier: Tier;
  capabilities: string[];
  /** First page of bot ids; the rest via `GET /swarms/{id}/bots?cursor=`. */
  bot_ids: string[];
  next_cursor: string | null;
  status: 'active' | 'deleted';
  created_at: string;
}

/** `GET /swarms/{id}` (seed 001 "Get Swarm Status"). */
export interface SwarmView {
  id: string;
  name: string;
  bot_count: number;
  tier: Tier;
  capabilities: string[];
  active_bots: number;
  total_tasks_completed: number;
  average_tasks_per_bot: number;
  status: 'active' | 'deleted';
  created_at: string;
}

/** A page of a swarm's bot ids. */
export interface SwarmBotPage {
  swarm_id: string;
  bot_ids: string[];
  next_cursor: string | null;
}
