import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsDefined, IsIn, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel, Tier, TIERS } from '../common/task';

/** Subject: score and order tasks without running them. {@link PrioritizeRequest} → {@link PrioritizeReply}. */
export const BRAIN_PRIORITIZE = 'apiary.brain.prioritize';

/** One task to score (seed 002 "Example Prioritization"). */
export class PrioritizeItem {
  @IsDefined() @IsString() @MaxLength(128) @Matches(/^[A-Za-z0-9_.:-]+$/, { message: 'type must match [A-Za-z0-9_.:-]+' })
  type!: string;

  /** Default `normal`. */
  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;

  /** Tier of the bot that would run it (default `standard`). */
  @IsOptional() @IsIn(TIERS)
  tier?: Tier;
}

/** `POST /prioritize` body: 1..10,000 tasks. */
export class PrioritizeRequest {
  @IsDefined() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(10_000)
  @ValidateNested({ each: true }) @Type(() => PrioritizeItem)
  tasks!: PrioritizeItem[];
}

/** A scored task: its input fields plus `score` and its input `index`. */
export interface ScoredTask {
  type: string;
  priority: PriorityLevel;
  tier: Tier;
  score: number;
  /** Position in the request. */
  index: number;
}

/** Reply of {@link BRAIN_PRIORITIZE}: highest score first (ties keep request order). */
export interface PrioritizeReply {
  tasks: ScoredTask[];
}
