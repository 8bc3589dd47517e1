import { IsDefined, IsNumber, IsPositive, Max } from 'class-validator';
import { EvidenceWindow, SuggestionView } from './suggestions';

/**
 * Performance analysis (seed 002 `analyze_performance(time_window=24)`; seed 000
 * CrossBotPerformanceMonitor `_identify_bottlenecks`; seed 003
 * ScalabilityOptimizer `analyze_scalability_bottlenecks`): statistics from memory,
 * task-router and the brain over a window, each rule's findings upserted as
 * suggestions.
 */

/** Subject: run an analysis now. {@link AnalyzeRequest} → {@link AnalysisReply}. */
export const IMPROVEMENT_ANALYZE = 'apiary.improvement.analyze';

/** Longest analysis window, hours (30 days: memory's longest window). */
export const MAX_ANALYSIS_WINDOW_HOURS = 720;

/** `POST /improvement/analyze` body. */
export class AnalyzeRequest {
  /** Window, hours back from now: 0 < h ≤ 720; fractions allowed (0.01 h = 36 s). */
  @IsDefined() @IsNumber({ allowNaN: false, allowInfinity: false }) @IsPositive() @Max(MAX_ANALYSIS_WINDOW_HOURS)
  time_window_hours!: number;
}

/** Statistics sources an analysis reads. */
export const ANALYSIS_SOURCES = ['memory.service-stats', 'memory.type-stats', 'memory.runner-stats', 'router.services', 'router.stats', 'brain.backlog'] as const;
/** One of {@link ANALYSIS_SOURCES}. */
export type AnalysisSource = (typeof ANALYSIS_SOURCES)[number];

/** Whether a source answered; rules that need an unavailable source are skipped. */
export interface SourceStatus {
  source: AnalysisSource;
  ok: boolean;
  /** Error code and message when it did not answer (e.g. `SERVICE_UNAVAILABLE: No service answers …`). */
  error: string | null;
}

/** One analysis run. Times ISO-8601. */
export interface AnalysisSummary {
  analysis_id: string;
  /** `manual` (POST /improvement/analyze) or `periodic` (every `APIARY_ANALYSIS_INTERVAL_S`). */
  trigger: 'manual' | 'periodic';
  window: EvidenceWindow;
  started_at: string;
  finished_at: string;
  /** Findings of the rules. */
  findings: number;
  /** New suggestions. */
  created: number;
  /** Open or approved suggestions updated with new evidence. */
  updated: number;
  /** Findings not suggested again because the same key was rejected recently (`APIARY_REJECTED_SNOOZE_S`). */
  suppressed: number;
  sources: SourceStatus[];
}

/** Reply of {@link IMPROVEMENT_ANALYZE}: the run and the suggestions it created or updated. */
export interface AnalysisReply extends AnalysisSummary {
  suggestions: SuggestionView[];
}
