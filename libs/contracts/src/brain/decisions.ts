import { IsArray, IsDefined, IsIn, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PRIORITY_LEVELS, PriorityLevel } from '../common/task';

/**
 * Decisions of the orchestrator brain (seed 002 component 1 `make_decision`,
 * "How Learning Improves Performance"): which service should run a task type,
 * chosen by Thompson sampling over what memory learned per (task type, service).
 */

/** Subject: make a decision. {@link DecisionRequest} → {@link Decision}; `NO_CAPABLE_SERVICE`. */
export const BRAIN_DECIDE = 'apiary.brain.decide';
/** Subject: performance summary. `{}` → {@link BrainPerformance}. */
export const BRAIN_PERFORMANCE = 'apiary.brain.performance';

/** Resources a decision allocates (seed: `{ cpu, memory }`; cores and MiB). */
export class DecisionResources {
  /** CPU cores. */
  @IsOptional() @IsNumber() @Min(0)
  cpu?: number;
  /** Memory, MiB. */
  @IsOptional() @IsNumber() @Min(0)
  memory?: number;
}

/** `POST /decisions` body. */
export class DecisionRequest {
  @IsDefined() @IsString() @MaxLength(128)
  task_type!: string;
  @IsOptional() @IsIn(PRIORITY_LEVELS)
  priority?: PriorityLevel;
  @IsOptional() @IsObject()
  resources?: DecisionResources;
  /**
   * Services to choose from (the router passes the capable, healthy, enabled
   * ones). When absent the brain asks the router for the type's healthy services.
   */
  @IsOptional() @IsArray() @IsString({ each: true })
  candidates?: string[];
  /** Whether to count this decision in the performance summary (default true). */
  @IsOptional()
  record?: boolean;
  /**
   * Weight of cost (0 = ignore; default 0 when no candidate has a price): each draw is
   * multiplied by (cheapest expected cost / the candidate's) ^ cost_weight
   * (docs/ai-work.md "Learned routing with cost").
   */
  @IsOptional() @IsNumber() @Min(0) @Max(10)
  cost_weight?: number;
  /**
   * Candidate → price in USD per million tokens, used for the expected cost of a
   * candidate with too little history of its own.
   */
  @IsOptional() @IsObject()
  candidate_prices?: Record<string, { input_per_1m: number; output_per_1m: number }>;
}

/** One candidate as the decision rule saw it. */
export interface DecisionAlternative {
  service: string;
  /** Posterior mean success rate (Beta prior, see {@link Decision.confidence}). */
  expected_success: number;
  /** Mean latency over the learning window, ms; null without samples. */
  mean_latency_ms: number | null;
  /** Results seen in the learning window. */
  samples: number;
  /** The Thompson draw this decision used (success draw × latency utility × cost utility). */
  sampled_score: number;
  /** Expected cost of one successful call, USD (null: unknown or free). */
  expected_cost_usd?: number | null;
}

/** Reply of {@link BRAIN_DECIDE} (seed 002 step 2 shape, extended). */
export interface Decision {
  decision_id: string;
  task_type: string;
  selected_service: string;
  /** Seed 002 level: critical 4, high 3, normal 2, low 1. */
  priority_level: number;
  /** 0.7 with no history, rising toward the selected service's success rate with evidence. */
  confidence: number;
  /** Why, in words. */
  reasoning: string;
  /** The other candidates, best first. */
  alternatives: DecisionAlternative[];
  /** The selected service as a {@link DecisionAlternative}. */
  selected: DecisionAlternative;
  resources: { cpu: number; memory: number };
  /** Name of the decision rule, `thompson_sampling`. */
  rule: string;
  decided_at: string;
}

/** Reply of {@link BRAIN_PERFORMANCE} (seed 002 `get_performance_summary`, extended). */
export interface BrainPerformance {
  total_decisions: number;
  /** Task types with at least one learned result. */
  task_types_learned: number;
  average_confidence: number | null;
  decisions_by_type: Record<string, number>;
  /** Learned statistics per task type and service (memory's window). */
  learned: { task_type: string; service: string; samples: number; success_rate: number; mean_latency_ms: number | null }[];
  rule: string;
  /** Learning window, seconds. */
  window_s: number;
}
