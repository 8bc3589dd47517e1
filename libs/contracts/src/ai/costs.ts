import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * Spend over stored results (docs/ai-work.md "Costs"): memory sums the tokens and
 * USD each result carries, in SQL, grouped by one dimension.
 */

/** Subject: spend over a window. {@link CostsRequest} → {@link CostsReply}. */
export const MEMORY_COSTS = 'apiary.memory.costs';

/** Dimensions of `GET /costs?group_by=`. */
export const COST_GROUPS = ['service', 'model', 'task_type', 'swarm', 'bot', 'api_key'] as const;
/** One of {@link COST_GROUPS}. */
export type CostGroup = (typeof COST_GROUPS)[number];

/** `GET /costs` query. */
export class CostsRequest {
  @IsDefined() @IsIn(COST_GROUPS)
  group_by!: CostGroup;
  /** Window back from now, seconds (default 86,400; 1..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(2_592_000)
  window_s?: number;
}

/** Spend of one group. */
export class CostGroupTotal {
  /** The group's value (service name, model, ...); `null` for results without one. */
  key!: string | null;
  /** Results counted (one per task attempt stored). */
  tasks!: number;
  prompt_tokens!: number;
  completion_tokens!: number;
  /** USD. */
  cost_usd!: number;
}

/** Reply of {@link MEMORY_COSTS}. */
export class CostsReply {
  group_by!: CostGroup;
  window_s!: number;
  /** Groups, highest spend first. */
  groups!: CostGroupTotal[];
  /** USD over every group. */
  total_cost_usd!: number;
}
