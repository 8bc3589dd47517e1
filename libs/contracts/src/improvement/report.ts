import { AnalysisSummary } from './analyze';
import {
  EvidenceWindow,
  MetricDirection,
  SuggestionAction,
  SuggestionPriority,
  SuggestionStatus,
} from './suggestions';

/** Subject: improvement report (seed 002 `get_improvement_report`). `{}` → {@link ImprovementReport}. */
export const IMPROVEMENT_REPORT = 'apiary.improvement.report';

/** A measured impact of an implemented suggestion. */
export interface MeasuredImprovement {
  suggestion_id: string;
  key: string;
  title: string;
  action: SuggestionAction;
  metric: string;
  direction: MetricDirection;
  before: number;
  after: number | null;
  /** Signed fraction, positive when better; null without data. */
  improvement: number | null;
  status: 'measured' | 'no_data';
  before_window: EvidenceWindow;
  after_window: EvidenceWindow;
  implemented_at: string;
  measured_at: string;
}

/** Reply of {@link IMPROVEMENT_REPORT}. Impacts that are due are measured before it is built. */
export interface ImprovementReport {
  generated_at: string;
  total: number;
  by_status: Record<SuggestionStatus, number>;
  by_priority: Record<SuggestionPriority, number>;
  /** Status → priority → count. */
  by_status_and_priority: Record<SuggestionStatus, Record<SuggestionPriority, number>>;
  /** Implemented suggestions whose after-window has not passed yet. */
  pending_impacts: number;
  /** Measured impacts, latest first (at most 100). */
  improvements: MeasuredImprovement[];
  /** Mean of the measured `improvement` fractions; null when none. */
  average_improvement: number | null;
  last_analysis: AnalysisSummary | null;
}
