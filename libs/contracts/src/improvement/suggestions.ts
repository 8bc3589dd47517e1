import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';

/**
 * Suggestions of the self-improvement service (seed 002 component 4
 * "Self-Improvement" and "Suggestions Only": it only suggests, never applies;
 * every suggestion has `auto_apply: false` and `requires: "MANUAL_APPROVAL"`).
 *
 * Life of a suggestion: `open` → `approved` → `implemented`, or `open`/`approved`
 * → `rejected`. `rejected` and `implemented` are final. Approval records the
 * decision only: nothing in the system changes because of it.
 */

/** Priorities, by severity. */
export const SUGGESTION_PRIORITIES = ['low', 'medium', 'high', 'critical'] as const;
/** One of {@link SUGGESTION_PRIORITIES}. */
export type SuggestionPriority = (typeof SUGGESTION_PRIORITIES)[number];

/** Statuses of a suggestion. */
export const SUGGESTION_STATUSES = ['open', 'approved', 'rejected', 'implemented'] as const;
/** One of {@link SUGGESTION_STATUSES}. */
export type SuggestionStatus = (typeof SUGGESTION_STATUSES)[number];

/** Categories (seed 002 "Analysis Areas"). */
export const SUGGESTION_CATEGORIES = ['performance_bottleneck', 'service_health', 'resource_utilization', 'optimization_opportunity'] as const;
/** One of {@link SUGGESTION_CATEGORIES}. */
export type SuggestionCategory = (typeof SUGGESTION_CATEGORIES)[number];

/** The analysis rules; a suggestion's `key` starts with its rule. */
export const SUGGESTION_RULES = [
  'high_latency',
  'high_error_rate',
  'low_success_vs_peers',
  'backlog_growing',
  'service_unhealthy',
  'breaker_open',
  'uneven_load',
  'idle_capacity',
] as const;
/** One of {@link SUGGESTION_RULES}. */
export type SuggestionRule = (typeof SUGGESTION_RULES)[number];

/** What a human could do about a finding (seed 002 style, e.g. `increase_cpu`). Never done by Apiary itself. */
export const SUGGESTION_ACTIONS = [
  'route_away_from_service',
  'investigate_latency',
  'increase_timeout',
  'investigate_errors',
  'investigate_service_health',
  'scale_up',
  'scale_down',
  'rebalance_load',
] as const;
/** One of {@link SUGGESTION_ACTIONS}. */
export type SuggestionAction = (typeof SUGGESTION_ACTIONS)[number];

/** Whether a smaller or a larger value of a metric is better. */
export type MetricDirection = 'lower_is_better' | 'higher_is_better';

/** A time window, ISO-8601 bounds and its length in hours. */
export interface EvidenceWindow {
  from: string;
  to: string;
  hours: number;
}

/** Why a suggestion was made: the metric, its value, the threshold it crossed, over which window. */
export interface SuggestionEvidence {
  /** Metric name, e.g. `p95_latency_ms`, `error_rate`, `success_rate`, `backlog_growth_ratio`. */
  metric: string;
  /** Its value over the window (units in the metric name; rates are fractions 0..1). */
  value: number;
  /** The configured threshold the value crossed. */
  threshold: number;
  window: EvidenceWindow;
  /** Results the value is computed from, when it is a statistic; null for states (health, breaker). */
  samples: number | null;
  /** Further facts (e.g. top error patterns, the peers' rate); rule-specific. */
  details: Record<string, unknown>;
}

/** Before/after measurement of an implemented suggestion (seed 002 `track_improvement`). */
export interface SuggestionImpact {
  /** `pending` until the after-window has passed; `no_data` when nothing was measured in it. */
  status: 'pending' | 'measured' | 'no_data';
  metric: string;
  direction: MetricDirection;
  /** The evidence value when the suggestion was marked implemented. */
  before: number;
  before_window: EvidenceWindow;
  /** The same metric over the after-window; null while pending or without data. */
  after: number | null;
  /**
   * Window the metric is measured again over: same length as the evidence window
   * (at least one minute), starting at the first whole minute after implementation
   * (memory keeps statistics per minute). While pending, `to` is when it is due.
   */
  after_window: EvidenceWindow;
  /**
   * Signed fraction, positive when better: `(before − after) / before` for
   * lower-is-better metrics, `(after − before) / before` otherwise; null without data
   * or when `before` is 0.
   */
  improvement: number | null;
  measured_at: string | null;
}

/** A suggestion. Times are ISO-8601. */
export interface SuggestionView {
  id: string;
  /** Finding key `<rule>:<task type or *>:<service or *>`; one open or approved suggestion per key. */
  key: string;
  rule: SuggestionRule;
  /** Task type concerned, or null for fleet-wide findings. */
  task_type: string | null;
  /** Service concerned (a routed service, a built-in handler, or `bot-runtime`), or null. */
  service: string | null;
  priority: SuggestionPriority;
  category: SuggestionCategory;
  title: string;
  description: string;
  action: SuggestionAction;
  evidence: SuggestionEvidence;
  /** Always false (seed 002 "Suggestions Only"). */
  auto_apply: false;
  /** Always `MANUAL_APPROVAL`. */
  requires: 'MANUAL_APPROVAL';
  status: SuggestionStatus;
  /** Analyses that found it (the first one included). */
  occurrences: number;
  first_seen_at: string;
  last_seen_at: string;
  /** When it was approved or rejected. */
  decided_at: string | null;
  /** API key id (or other actor) that approved, rejected or marked it implemented last. */
  decided_by: string | null;
  /** Reason given when rejected. */
  decision_reason: string | null;
  implemented_at: string | null;
  impact: SuggestionImpact | null;
  created_at: string;
  updated_at: string;
}

/** Subject: list suggestions. {@link ListSuggestionsRequest} → {@link SuggestionPage}. */
export const IMPROVEMENT_SUGGESTIONS_LIST = 'apiary.improvement.suggestions.list';
/** Subject: one suggestion (its impact measured first if due). {@link SuggestionIdRequest} → {@link SuggestionView}; `SUGGESTION_NOT_FOUND`. */
export const IMPROVEMENT_SUGGESTIONS_GET = 'apiary.improvement.suggestions.get';
/** Subject: approve (`open` only). {@link SuggestionDecisionRequest} → {@link SuggestionView}; `SUGGESTION_NOT_FOUND`, `SUGGESTION_INVALID_TRANSITION`. */
export const IMPROVEMENT_SUGGESTIONS_APPROVE = 'apiary.improvement.suggestions.approve';
/** Subject: reject (`open` or `approved`). {@link RejectSuggestionRequest} → {@link SuggestionView}; `SUGGESTION_NOT_FOUND`, `SUGGESTION_INVALID_TRANSITION`. */
export const IMPROVEMENT_SUGGESTIONS_REJECT = 'apiary.improvement.suggestions.reject';
/** Subject: mark implemented (`approved` only); starts impact tracking. {@link SuggestionDecisionRequest} → {@link SuggestionView}; `SUGGESTION_NOT_FOUND`, `SUGGESTION_INVALID_TRANSITION`. */
export const IMPROVEMENT_SUGGESTIONS_IMPLEMENTED = 'apiary.improvement.suggestions.implemented';

/** `GET /suggestions?status=&priority=` query, newest first, keyset-paginated. */
export class ListSuggestionsRequest {
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

/** A page of suggestions, newest first. */
export interface SuggestionPage {
  suggestions: SuggestionView[];
  next_cursor: string | null;
}

/** Request of {@link IMPROVEMENT_SUGGESTIONS_GET}. */
export class SuggestionIdRequest {
  @IsDefined() @IsUUID()
  id!: string;
}

/** Request of {@link IMPROVEMENT_SUGGESTIONS_APPROVE} and {@link IMPROVEMENT_SUGGESTIONS_IMPLEMENTED}. */
export class SuggestionDecisionRequest extends SuggestionIdRequest {
  /** Who decides (the gateway sends the API key id). */
  @IsOptional() @IsString() @MaxLength(128)
  actor?: string;
}

/** Request of {@link IMPROVEMENT_SUGGESTIONS_REJECT}. */
export class RejectSuggestionRequest extends SuggestionDecisionRequest {
  /** Why it is rejected (1..1,000 characters). */
  @IsDefined() @IsString() @MinLength(1) @MaxLength(1000)
  reason!: string;
}
