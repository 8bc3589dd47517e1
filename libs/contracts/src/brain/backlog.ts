import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * The task backlog as the brain's tasks table sees it: how many tasks wait, how
 * old the oldest is, and how many arrived and finished in a recent window
 * (seed 003 ScalabilityOptimizer "High queue depth"; read by self-improvement's
 * backlog and idle-capacity rules and by the scaler).
 */

/** Subject: backlog now and flow over a window. {@link BacklogRequest} → {@link BacklogReply}. */
export const BRAIN_BACKLOG = 'apiary.brain.backlog';

/** Window of {@link BRAIN_BACKLOG} when the request gives none, seconds. */
export const DEFAULT_BACKLOG_WINDOW_S = 300;

/** Request of {@link BRAIN_BACKLOG}. */
export class BacklogRequest {
  /** Flow window, seconds back from now (default 300; 1..2,592,000). */
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(2_592_000)
  window_s?: number;
}

/** Backlog and flow of one task type. */
export interface TypeBacklog {
  task_type: string;
  /** Tasks `queued` now (waiting for dispatch or, for external tasks, for a bot to lease them). */
  queued: number;
  /** Tasks `retrying` now (waiting out a retry backoff). */
  retrying: number;
  /** Tasks `dispatched` or `running` now. */
  in_flight: number;
  /** Tasks created in the window. */
  arrivals: number;
  /** Tasks that reached a final status (succeeded, failed, dead, cancelled, timed out) in the window. */
  completions: number;
  /** Age of the oldest `queued` task (since its creation), ms; null when none is queued. */
  oldest_queued_age_ms: number | null;
}

/** Reply of {@link BRAIN_BACKLOG}. Counts are exact; times come from the database clock. */
export interface BacklogReply {
  window_s: number;
  /** When the counts were taken, ISO-8601. */
  at: string;
  /** Sum of {@link TypeBacklog.queued}. */
  queued: number;
  /** Sum of {@link TypeBacklog.retrying}. */
  retrying: number;
  /** Sum of {@link TypeBacklog.in_flight}. */
  in_flight: number;
  arrivals: number;
  completions: number;
  /** Age of the oldest `queued` task of any type, ms; null when none is queued. */
  oldest_queued_age_ms: number | null;
  /** Types with any task waiting, in flight, created or finished in the window, by name. */
  by_type: TypeBacklog[];
}
