import type { ServiceLimits } from '@apiary/contracts';

/**
 * Provider limits as a generic cell rate algorithm (GCRA, ITU-T I.371 "virtual
 * scheduling"), one schedule for requests and one for tokens (docs/ai-work.md
 * "Rate limits"). Pure: the caller holds the state's row lock and passes the
 * shared clock (PostgreSQL's), so every replica reserves from one schedule.
 *
 * - Requests: emission interval `T = 60,000 / rpm` ms and no burst tolerance, so
 *   granted calls are spaced at least T apart: at most rpm/60 in any second, never
 *   a minute's worth at once.
 * - Tokens: `T_tok = 60,000 / tpm` ms per token; a call is admitted once the token
 *   schedule is within one second of now (tolerance 1,000 ms: about tpm/60 tokens
 *   ahead) and pushes it by `tokens × T_tok`. A reservation is later corrected by
 *   the tokens `usage` reported ({@link correctTokens}).
 * - A 429's pause (`throttled_until_ms`) admits nothing before it.
 */

/** Stored schedule of one service; times are epoch ms. */
export interface QuotaState {
  request_tat_ms: number;
  token_tat_ms: number;
  throttled_until_ms: number;
}

/** What a call asks for. */
export interface PermitAsk {
  /** Tokens to reserve (prompt estimate + max_tokens). */
  tokens: number;
  /** Longest wait the caller accepts, ms. */
  maxWaitMs: number;
}

/** Outcome of {@link decidePermit}. */
export type PermitDecision =
  | { granted: true; delayMs: number; turnMs: number; next: QuotaState }
  | { granted: false; retryAfterMs: number; reason: 'rpm' | 'tpm' | 'throttled' };

/** Token schedule tolerance: a call is admitted while the schedule is at most this far ahead, ms. */
export const TOKEN_TOLERANCE_MS = 1000;

/** @returns ms between two requests under `rpm` (Infinity-safe: 0 when unlimited) */
export function requestIntervalMs(limits: ServiceLimits): number {
  return limits.rpm ? 60_000 / limits.rpm : 0;
}

/** @returns ms of schedule one token takes under `tpm` (0 when unlimited) */
export function tokenIntervalMs(limits: ServiceLimits): number {
  return limits.tpm ? 60_000 / limits.tpm : 0;
}

/**
 * Decides one call: the earliest turn allowed by the request schedule, the token
 * schedule and the pause; granted when that turn is within `maxWaitMs`, and the
 * schedules are advanced past it.
 * @param state the service's schedule (locked by the caller)
 * @param limits its limits
 * @param ask tokens and the longest acceptable wait
 * @param nowMs the shared clock, epoch ms
 */
export function decidePermit(state: QuotaState, limits: ServiceLimits, ask: PermitAsk, nowMs: number): PermitDecision {
  const t = requestIntervalMs(limits);
  const k = tokenIntervalMs(limits);
  const byRequests = t > 0 ? Math.max(nowMs, state.request_tat_ms) : nowMs;
  const byTokens = k > 0 ? Math.max(nowMs, state.token_tat_ms - TOKEN_TOLERANCE_MS) : nowMs;
  const byPause = Math.max(nowMs, state.throttled_until_ms);
  const turn = Math.max(byRequests, byTokens, byPause);
  if (turn - nowMs > ask.maxWaitMs) {
    const reason = byPause >= turn ? 'throttled' : byRequests >= byTokens ? 'rpm' : 'tpm';
    return { granted: false, retryAfterMs: Math.ceil(turn - nowMs), reason };
  }
  return {
    granted: true,
    delayMs: Math.max(0, Math.ceil(turn - nowMs)),
    turnMs: turn,
    next: {
      request_tat_ms: t > 0 ? turn + t : state.request_tat_ms,
      token_tat_ms: k > 0 ? Math.max(state.token_tat_ms, turn) + Math.max(0, ask.tokens) * k : state.token_tat_ms,
      throttled_until_ms: state.throttled_until_ms,
    },
  };
}

/**
 * Corrects the token schedule once the provider reported `usage`: a call that used
 * fewer tokens than reserved gives the difference back, one that used more takes it.
 * @returns the new token TAT, epoch ms
 */
export function correctTokens(tokenTatMs: number, limits: ServiceLimits, reserved: number, used: number): number {
  const k = tokenIntervalMs(limits);
  if (k === 0) return tokenTatMs;
  return tokenTatMs + (used - reserved) * k;
}

/**
 * Tasks per second a service accepts under its limits: rpm/60, or tpm/60 divided
 * by the tokens a call takes on average, whichever is lower.
 * @param limits the service's limits
 * @param avgTokens mean tokens per call (recent usage, or an estimate)
 * @returns tasks/s, or Infinity when the service has no rate limit
 */
export function ratePerSecond(limits: ServiceLimits, avgTokens: number): number {
  const byRequests = limits.rpm ? limits.rpm / 60 : Infinity;
  const byTokens = limits.tpm ? limits.tpm / 60 / Math.max(1, avgTokens) : Infinity;
  return Math.min(byRequests, byTokens);
}

/** @returns whether a service has any limit the limiter must hold */
export function isLimited(limits: ServiceLimits | undefined): boolean {
  return !!limits && (!!limits.rpm || !!limits.tpm || !!limits.max_concurrency);
}
