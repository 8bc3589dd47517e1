/**
 * Task vocabulary shared by all services (DESIGN.md "Task lifecycle and guarantees").
 */

/** Priority levels of seed 002 "Task Prioritization", lowest first. */
export const PRIORITY_LEVELS = ['low', 'normal', 'high', 'critical'] as const;
/** One of {@link PRIORITY_LEVELS}. */
export type PriorityLevel = (typeof PRIORITY_LEVELS)[number];

/** Bot tiers of seed 001 "Bot Tiers", lowest weight first. */
export const TIERS = ['standard', 'advanced', 'L20'] as const;
/** One of {@link TIERS}. */
export type Tier = (typeof TIERS)[number];

/**
 * Task states. `queued → dispatched → running → succeeded | failed`, `retrying`
 * between attempts, `dead` after the last attempt, `cancelled`, `timed_out`.
 */
export const TASK_STATUSES = [
  'queued',
  'dispatched',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'dead',
  'cancelled',
  'timed_out',
] as const;
/** One of {@link TASK_STATUSES}. */
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** States after which a task never changes again (unless re-driven). */
export const TERMINAL_STATUSES: readonly TaskStatus[] = [
  'succeeded',
  'failed',
  'dead',
  'cancelled',
  'timed_out',
];

/** Error recorded on a failed attempt or task. */
export interface TaskErrorInfo {
  /** Machine-readable handler error code, e.g. `HTTP_TIMEOUT`, `HANDLER_ERROR`. */
  code: string;
  /** Human-readable message. */
  message: string;
  /** Whether another attempt may succeed (timeouts, 5xx, lost leases). */
  retryable: boolean;
  /**
   * The attempt already spent its retries (e.g. the `http` handler tried every
   * routed service per its retry strategy): the task goes straight to `dead`
   * instead of being retried again by the brain.
   */
  exhausted?: boolean;
  /**
   * The attempt did not run for want of quota (a provider's 429, or its RPM/TPM
   * limit): the task goes back to `queued` until `retry_after_ms` has passed, and
   * the attempt is not counted (docs/ai-work.md "Rate limits").
   */
  deferred?: boolean;
  /** With `deferred`: how long to wait before the next attempt, ms. */
  retry_after_ms?: number;
}

/**
 * Public view of a task, as returned by `GET /tasks/{id}` and `GET /task/{id}`
 * (seed 001 "Get Task Status", extended). Times are ISO-8601 strings (UTC).
 */
export interface TaskView {
  task_id: string;
  type: string;
  status: TaskStatus;
  priority: PriorityLevel;
  /** Priority score: level × type multiplier × tier weight (DESIGN.md). */
  score: number;
  /** Number of dispatches so far (1 for a task run once). */
  attempts: number;
  result: unknown;
  error: TaskErrorInfo | null;
  batch_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}
