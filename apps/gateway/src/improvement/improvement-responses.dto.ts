import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import type {
  AnalysisReply,
  AnalysisSource,
  AnalysisSummary,
  EvidenceWindow,
  ImprovementReport,
  MeasuredImprovement,
  MetricDirection,
  SourceStatus,
  SuggestionAction,
  SuggestionCategory,
  SuggestionEvidence,
  SuggestionImpact,
  SuggestionPage,
  SuggestionPriority,
  SuggestionRule,
  SuggestionStatus,
  SuggestionView,
} from '@apiary/contracts';
import { ANALYSIS_SOURCES, SUGGESTION_ACTIONS, SUGGESTION_CATEGORIES, SUGGESTION_PRIORITIES, SUGGESTION_RULES, SUGGESTION_STATUSES } from '@apiary/contracts';

/*
 * OpenAPI shapes of self-improvement's replies (issue 5), in the style of
 * openapi/responses.dto.ts: each class `implements` the contract interface, so a
 * field added to the interface fails to compile until it is documented here.
 */

/** A time window: ISO-8601 bounds and its length in hours. */
@ApiSchema({ name: 'EvidenceWindow' })
export class EvidenceWindowDto implements EvidenceWindow {
  from!: string;
  to!: string;
  hours!: number;
}

/** Why a suggestion was made. */
@ApiSchema({ name: 'SuggestionEvidence' })
export class SuggestionEvidenceDto implements SuggestionEvidence {
  /** Metric name, e.g. `p95_latency_ms`, `error_rate`, `success_rate`, `backlog_growth_ratio`, `service_unhealthy`, `runner_busy_ratio`, `runner_utilisation`. */
  metric!: string;
  /** Its value over the window (rates are fractions 0..1). */
  value!: number;
  /** The configured threshold it crossed. */
  threshold!: number;
  window!: EvidenceWindowDto;
  /** Results the value is computed from; null for states (health, breaker). */
  samples!: number | null;
  /** Rule-specific facts (top error patterns, the peers' rate, the replicas, …). */
  @ApiProperty({ type: 'object', additionalProperties: true })
  details!: Record<string, unknown>;
}

/** Before/after measurement of an implemented suggestion (seed 002 `track_improvement`). */
@ApiSchema({ name: 'SuggestionImpact' })
export class SuggestionImpactDto implements SuggestionImpact {
  @ApiProperty({ enum: ['pending', 'measured', 'no_data'] })
  status!: 'pending' | 'measured' | 'no_data';
  metric!: string;
  @ApiProperty({ enum: ['lower_is_better', 'higher_is_better'] })
  direction!: MetricDirection;
  /** The evidence value when it was marked implemented. */
  before!: number;
  before_window!: EvidenceWindowDto;
  /** The metric over the after-window; null while pending or without data. */
  after!: number | null;
  /** Same length as the evidence window (at least a minute), from the first whole minute after implementation; `to` is when it is due while pending. */
  after_window!: EvidenceWindowDto;
  /** Signed fraction, positive when better; null without data. */
  improvement!: number | null;
  measured_at!: string | null;
}

/** A suggestion: it is never applied by Apiary (`auto_apply: false`, `requires: MANUAL_APPROVAL`). */
@ApiSchema({ name: 'Suggestion' })
export class SuggestionViewDto implements SuggestionView {
  id!: string;
  /** `<rule>:<task type or *>:<service or *>`; one open or approved suggestion per key. */
  key!: string;
  @ApiProperty({ enum: SUGGESTION_RULES })
  rule!: SuggestionRule;
  task_type!: string | null;
  /** A routed service, a built-in handler, or `bot-runtime`. */
  service!: string | null;
  @ApiProperty({ enum: SUGGESTION_PRIORITIES })
  priority!: SuggestionPriority;
  @ApiProperty({ enum: SUGGESTION_CATEGORIES })
  category!: SuggestionCategory;
  title!: string;
  description!: string;
  @ApiProperty({ enum: SUGGESTION_ACTIONS })
  action!: SuggestionAction;
  evidence!: SuggestionEvidenceDto;
  @ApiProperty({ enum: [false] })
  auto_apply!: false;
  @ApiProperty({ enum: ['MANUAL_APPROVAL'] })
  requires!: 'MANUAL_APPROVAL';
  @ApiProperty({ enum: SUGGESTION_STATUSES })
  status!: SuggestionStatus;
  /** Analyses that found it. */
  occurrences!: number;
  first_seen_at!: string;
  last_seen_at!: string;
  decided_at!: string | null;
  /** API key id that approved, rejected or marked it implemented last. */
  decided_by!: string | null;
  /** Reason given when rejected. */
  decision_reason!: string | null;
  implemented_at!: string | null;
  impact!: SuggestionImpactDto | null;
  created_at!: string;
  updated_at!: string;
}

/** `GET /suggestions`: newest first. */
@ApiSchema({ name: 'SuggestionPage' })
export class SuggestionPageDto implements SuggestionPage {
  suggestions!: SuggestionViewDto[];
  /** Pass as `cursor` for the next page; null on the last. */
  next_cursor!: string | null;
}

/** Whether a statistics source answered. */
@ApiSchema({ name: 'AnalysisSourceStatus' })
export class SourceStatusDto implements SourceStatus {
  @ApiProperty({ enum: ANALYSIS_SOURCES })
  source!: AnalysisSource;
  ok!: boolean;
  /** `CODE: message` when it did not answer. */
  error!: string | null;
}

/** One analysis run. */
@ApiSchema({ name: 'AnalysisSummary' })
export class AnalysisSummaryDto implements AnalysisSummary {
  analysis_id!: string;
  @ApiProperty({ enum: ['manual', 'periodic'] })
  trigger!: 'manual' | 'periodic';
  window!: EvidenceWindowDto;
  started_at!: string;
  finished_at!: string;
  /** Findings of the rules. */
  findings!: number;
  /** New suggestions. */
  created!: number;
  /** Open or approved suggestions updated with new evidence. */
  updated!: number;
  /** Findings not suggested because the same key was rejected recently. */
  suppressed!: number;
  sources!: SourceStatusDto[];
}

/** `POST /improvement/analyze`: the run and the suggestions it created or updated. */
@ApiSchema({ name: 'AnalysisReply' })
export class AnalysisReplyDto extends AnalysisSummaryDto implements AnalysisReply {
  suggestions!: SuggestionViewDto[];
}

/** Suggestions per status. */
@ApiSchema({ name: 'SuggestionStatusCounts' })
export class StatusCountsDto implements Record<SuggestionStatus, number> {
  open!: number;
  approved!: number;
  rejected!: number;
  implemented!: number;
}

/** Suggestions per priority. */
@ApiSchema({ name: 'SuggestionPriorityCounts' })
export class PriorityCountsDto implements Record<SuggestionPriority, number> {
  low!: number;
  medium!: number;
  high!: number;
  critical!: number;
}

/** Suggestions per status, then priority. */
@ApiSchema({ name: 'SuggestionStatusPriorityCounts' })
export class StatusPriorityCountsDto implements Record<SuggestionStatus, Record<SuggestionPriority, number>> {
  open!: PriorityCountsDto;
  approved!: PriorityCountsDto;
  rejected!: PriorityCountsDto;
  implemented!: PriorityCountsDto;
}

/** A measured impact of an implemented suggestion. */
@ApiSchema({ name: 'MeasuredImprovement' })
export class MeasuredImprovementDto implements MeasuredImprovement {
  suggestion_id!: string;
  key!: string;
  title!: string;
  @ApiProperty({ enum: SUGGESTION_ACTIONS })
  action!: SuggestionAction;
  metric!: string;
  @ApiProperty({ enum: ['lower_is_better', 'higher_is_better'] })
  direction!: MetricDirection;
  before!: number;
  after!: number | null;
  /** Signed fraction, positive when better; null without data. */
  improvement!: number | null;
  @ApiProperty({ enum: ['measured', 'no_data'] })
  status!: 'measured' | 'no_data';
  before_window!: EvidenceWindowDto;
  after_window!: EvidenceWindowDto;
  implemented_at!: string;
  measured_at!: string;
}

/** `GET /improvement/report` (seed 002 `get_improvement_report`). */
@ApiSchema({ name: 'ImprovementReport' })
export class ImprovementReportDto implements ImprovementReport {
  generated_at!: string;
  total!: number;
  by_status!: StatusCountsDto;
  by_priority!: PriorityCountsDto;
  by_status_and_priority!: StatusPriorityCountsDto;
  /** Implemented suggestions whose after-window has not passed. */
  pending_impacts!: number;
  /** Measured impacts, latest first (at most 100). */
  improvements!: MeasuredImprovementDto[];
  /** Mean of the measured improvements; null when none. */
  average_improvement!: number | null;
  last_analysis!: AnalysisSummaryDto | null;
}
