import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type {
  AnalysisSummary,
  MetricDirection,
  SuggestionAction,
  SuggestionCategory,
  SuggestionEvidence,
  SuggestionImpact,
  SuggestionPriority,
  SuggestionRule,
  SuggestionStatus,
} from '@apiary/contracts';

/**
 * A suggestion of the self-improvement service (seed 002 component 4). One open or
 * approved row per finding key; `auto_apply` is false by constraint. Schema:
 * migration `Improvement1763980000000`.
 */
@Entity({ name: 'improvement_suggestions' })
@Index('improvement_suggestions_active_key', ['key'], { unique: true, where: `"status" IN ('open', 'approved')` })
export class ImprovementSuggestionEntity {
  @PrimaryColumn('uuid')
  id!: string;

  /** `<rule>:<task type or *>:<service or *>`. */
  @Column('text')
  key!: string;

  @Column('text')
  rule!: SuggestionRule;

  @Column('text', { name: 'task_type', nullable: true })
  taskType!: string | null;

  @Column('text', { nullable: true })
  service!: string | null;

  @Column('text')
  priority!: SuggestionPriority;

  @Column('text')
  category!: SuggestionCategory;

  @Column('text')
  title!: string;

  @Column('text')
  description!: string;

  @Column('text')
  action!: SuggestionAction;

  @Column('jsonb')
  evidence!: SuggestionEvidence;

  /** Direction of the evidence metric, used for impact tracking. */
  @Column('text')
  direction!: MetricDirection;

  @Column('boolean', { name: 'auto_apply', default: false })
  autoApply!: false;

  @Column('text', { default: 'open' })
  status!: SuggestionStatus;

  @Column('int', { default: 1 })
  occurrences!: number;

  @Column('timestamptz', { name: 'first_seen_at' })
  firstSeenAt!: Date;

  @Column('timestamptz', { name: 'last_seen_at' })
  lastSeenAt!: Date;

  @Column('timestamptz', { name: 'decided_at', nullable: true })
  decidedAt!: Date | null;

  @Column('text', { name: 'decided_by', nullable: true })
  decidedBy!: string | null;

  @Column('text', { name: 'decision_reason', nullable: true })
  decisionReason!: string | null;

  @Column('timestamptz', { name: 'implemented_at', nullable: true })
  implementedAt!: Date | null;

  @Column('jsonb', { nullable: true })
  impact!: SuggestionImpact | null;

  /** When the pending impact measurement is due; null when there is none. */
  @Column('timestamptz', { name: 'impact_due_at', nullable: true })
  impactDueAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}

/** One analysis run (manual or periodic) and what it did. */
@Entity({ name: 'improvement_analyses' })
export class ImprovementAnalysisEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text')
  trigger!: AnalysisSummary['trigger'];

  @Column('timestamptz', { name: 'window_from' })
  windowFrom!: Date;

  @Column('timestamptz', { name: 'window_to' })
  windowTo!: Date;

  @Column('double precision', { name: 'window_hours' })
  windowHours!: number;

  @Column('timestamptz', { name: 'started_at' })
  startedAt!: Date;

  @Column('timestamptz', { name: 'finished_at' })
  finishedAt!: Date;

  @Column('int')
  findings!: number;

  @Column('int')
  created!: number;

  @Column('int')
  updated!: number;

  @Column('int')
  suppressed!: number;

  @Column('jsonb')
  sources!: AnalysisSummary['sources'];
}
