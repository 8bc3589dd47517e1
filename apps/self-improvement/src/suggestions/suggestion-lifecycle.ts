import {
  ApiaryError,
  EvidenceWindow,
  MetricDirection,
  SuggestionImpact,
  SuggestionStatus,
  SuggestionView,
} from '@apiary/contracts';
import type { SuggestionPatch, SuggestionRecord } from '@apiary/persistence';

/**
 * The life of a suggestion (seed 002 "Suggestions Only") and its impact
 * tracking (seed 002 `track_improvement`), as pure functions of the current
 * state and the time: `open` → `approved` → `implemented`, `open`/`approved` →
 * `rejected`. Approval only records the decision.
 */

/** Statuses each decision may start from. */
export const ALLOWED_FROM: Readonly<Record<'approve' | 'reject' | 'implemented', readonly SuggestionStatus[]>> = {
  approve: ['open'],
  reject: ['open', 'approved'],
  implemented: ['approved'],
};

/** Memory keeps statistics per minute: after-windows start on a whole minute, ms. */
export const MEMORY_BUCKET_MS = 60_000;
/** Shortest after-window: memory's shortest window, ms. */
export const MIN_AFTER_WINDOW_MS = 60_000;
/** Wait after an after-window ends before measuring, so memory has recorded its last results, ms. */
export const MEASURE_GRACE_MS = 2_000;

function ensureFrom(current: SuggestionView, decision: keyof typeof ALLOWED_FROM): void {
  const allowed = ALLOWED_FROM[decision];
  if (!allowed.includes(current.status)) {
    const verb = decision === 'implemented' ? 'marked implemented' : `${decision === 'approve' ? 'approved' : 'rejected'}`;
    throw new ApiaryError(
      'SUGGESTION_INVALID_TRANSITION',
      `Suggestion ${current.id} is ${current.status}; only ${allowed.join(' or ')} suggestions can be ${verb}`,
      { status: current.status, allowed_from: allowed },
    );
  }
}

/**
 * Approves an open suggestion: records who and when; applies nothing.
 * @throws ApiaryError SUGGESTION_INVALID_TRANSITION unless it is open
 */
export function approve(current: SuggestionView, actor: string | null, at: Date): SuggestionPatch {
  ensureFrom(current, 'approve');
  return { status: 'approved', decided_at: at, decided_by: actor };
}

/**
 * Rejects an open or approved suggestion with a reason.
 * @throws ApiaryError SUGGESTION_INVALID_TRANSITION when it is rejected or implemented
 */
export function reject(current: SuggestionView, reason: string, actor: string | null, at: Date): SuggestionPatch {
  ensureFrom(current, 'reject');
  return { status: 'rejected', decided_at: at, decided_by: actor, decision_reason: reason };
}

/**
 * Marks an approved suggestion implemented and plans its impact measurement
 * ({@link planImpact}).
 * @throws ApiaryError SUGGESTION_INVALID_TRANSITION unless it is approved
 */
export function implemented(current: SuggestionRecord, actor: string | null, at: Date): SuggestionPatch {
  ensureFrom(current.view, 'implemented');
  const { impact, dueAt } = planImpact(current.view, current.direction, at.getTime());
  return { status: 'implemented', implemented_at: at, decided_by: actor, impact, impact_due_at: dueAt };
}

function windowOf(fromMs: number, toMs: number): EvidenceWindow {
  return { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString(), hours: (toMs - fromMs) / 3_600_000 };
}

/**
 * Plans the re-measurement of the evidence metric: `before` is the evidence
 * value; the after-window has the evidence window's length (at least
 * {@link MIN_AFTER_WINDOW_MS}) and starts at the first whole minute at or after
 * `implementedAtMs`, so memory's minute buckets hold no result from before; it is
 * due {@link MEASURE_GRACE_MS} after it ends.
 */
export function planImpact(view: SuggestionView, direction: MetricDirection, implementedAtMs: number): { impact: SuggestionImpact; dueAt: Date } {
  const lengthMs = Math.max(MIN_AFTER_WINDOW_MS, Date.parse(view.evidence.window.to) - Date.parse(view.evidence.window.from));
  const fromMs = Math.ceil(implementedAtMs / MEMORY_BUCKET_MS) * MEMORY_BUCKET_MS;
  const toMs = fromMs + lengthMs;
  return {
    impact: {
      status: 'pending',
      metric: view.evidence.metric,
      direction,
      before: view.evidence.value,
      before_window: view.evidence.window,
      after: null,
      after_window: windowOf(fromMs, toMs),
      improvement: null,
      measured_at: null,
    },
    dueAt: new Date(toMs + MEASURE_GRACE_MS),
  };
}

/**
 * Signed improvement, positive when better.
 * @returns `(before − after) / before` (lower is better) or `(after − before) / before`
 *   (higher is better), rounded to 4 decimals; 0 when both are 0; null when
 *   `after` is null or `before` is 0 and `after` is not
 */
export function improvementOf(direction: MetricDirection, before: number, after: number | null): number | null {
  if (after === null) return null;
  if (before === 0) return after === 0 ? 0 : null;
  const change = direction === 'lower_is_better' ? before - after : after - before;
  return Math.round((change / Math.abs(before)) * 10_000) / 10_000;
}

/**
 * Completes a pending impact with the measured value over `[after_window.from, measuredAtMs]`.
 * @param after the metric over the after-window, or null when there was no data
 */
export function completeImpact(pending: SuggestionImpact, after: number | null, measuredAtMs: number): SuggestionImpact {
  return {
    ...pending,
    status: after === null ? 'no_data' : 'measured',
    after,
    after_window: windowOf(Date.parse(pending.after_window.from), measuredAtMs),
    improvement: improvementOf(pending.direction, pending.before, after),
    measured_at: new Date(measuredAtMs).toISOString(),
  };
}
