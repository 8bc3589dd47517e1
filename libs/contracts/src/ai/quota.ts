import { IsDefined, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MODULE_NAME_PATTERN } from '../router/services';

/**
 * Provider limits held across every bot-runtime replica (docs/ai-work.md "Rate
 * limits"). task-router keeps each limited service's state in PostgreSQL: a GCRA
 * schedule for requests and for tokens, leases for calls in flight, and the pause
 * a provider's 429 asked for. A runtime asks for a permit before each call; the
 * brain's dispatcher asks how fast each group of routed tasks may be dispatched.
 */

/** Subject: reserve one call to a limited service. {@link QuotaAcquireRequest} → {@link QuotaAcquireReply}. */
export const ROUTER_QUOTA_ACQUIRE = 'apiary.router.quota.acquire';
/** Subject: a provider answered 429: pause it. {@link QuotaThrottleRequest} → {@link QuotaThrottleReply}. */
export const ROUTER_QUOTA_THROTTLE = 'apiary.router.quota.throttle';
/**
 * Core-NATS subject (fire and forget, queue group): a permitted call ended; its
 * concurrency lease is released and its token reservation corrected by `usage`.
 * Payload {@link QuotaReleaseEvent}.
 */
export const ROUTER_QUOTA_RELEASE = 'apiary.router.quota.release';
/** Subject: admission rates of the groups of routed tasks. `{}` → {@link QuotaAdmissionReply}. */
export const ROUTER_QUOTA_ADMISSION = 'apiary.router.quota.admission';

/** Request of {@link ROUTER_QUOTA_ACQUIRE}. */
export class QuotaAcquireRequest {
  @IsDefined() @IsString() @Matches(MODULE_NAME_PATTERN)
  service_name!: string;
  /** Tokens to reserve: the prompt's estimate plus `max_tokens` (0 when the service has no TPM limit). */
  @IsDefined() @IsInt() @Min(0) @Max(100_000_000)
  tokens!: number;
  /** Longest the caller accepts to wait for its turn, ms; a later turn is refused with `retry_after_ms`. */
  @IsDefined() @IsInt() @Min(0) @Max(600_000)
  max_wait_ms!: number;
  /** Longest the call can take, ms: a concurrency lease expires after it (a replica that died). */
  @IsOptional() @IsInt() @Min(1) @Max(3_600_000)
  lease_ms?: number;
  /** Task the call is for (logs). */
  @IsOptional() @IsString() @MaxLength(64)
  task_id?: string;
}

/** Reply of {@link ROUTER_QUOTA_ACQUIRE}. */
export interface QuotaAcquireReply {
  granted: boolean;
  /** Granted: wait this long before calling (the reserved turn), ms. */
  delay_ms: number;
  /**
   * Granted: the reserved turn, epoch ms on the limiter's clock. A caller sleeps
   * until it (not for `delay_ms` after the reply arrived), so a slow reply does not
   * bunch calls closer than the schedule allows.
   */
  turn_at_ms?: number;
  /** Granted with a concurrency limit: the lease to release after the call. */
  permit_id: string | null;
  /** Refused: when a turn is expected to be free, ms from now. */
  retry_after_ms: number;
  /** Refused: `rpm`, `tpm`, `concurrency` or `throttled`; granted: null. */
  reason: 'rpm' | 'tpm' | 'concurrency' | 'throttled' | null;
}

/** Request of {@link ROUTER_QUOTA_THROTTLE}: the provider's own back-off. */
export class QuotaThrottleRequest {
  @IsDefined() @IsString() @Matches(MODULE_NAME_PATTERN)
  service_name!: string;
  /** Pause length, ms (from `Retry-After` or `x-ratelimit-reset-*`), 1..3,600,000. */
  @IsDefined() @IsInt() @Min(1) @Max(3_600_000)
  retry_after_ms!: number;
  /** Which header said so. */
  @IsOptional() @IsIn(['retry-after', 'retry-after-ms', 'x-ratelimit-reset', 'default'])
  source?: 'retry-after' | 'retry-after-ms' | 'x-ratelimit-reset' | 'default';
}

/** Reply of {@link ROUTER_QUOTA_THROTTLE}. */
export interface QuotaThrottleReply {
  service_name: string;
  /** The pause in force (the later of the stored one and this one), ISO-8601. */
  throttled_until: string;
}

/** Payload of {@link ROUTER_QUOTA_RELEASE}. */
export interface QuotaReleaseEvent {
  service_name: string;
  /** The concurrency lease, when one was granted. */
  permit_id: string | null;
  /** Tokens reserved at acquire. */
  tokens_reserved: number;
  /** Tokens the provider reported in `usage` (prompt + completion); the reservation when unknown. */
  tokens_used: number;
}

/**
 * How fast tasks of one group may be dispatched: a group is a task type with its
 * model pin or class (`llm.chat|model=gpt-4o-mini`, `llm.chat|class=small`,
 * `llm.chat|*`, `email_campaign|*`); its rate is the sum of its candidate
 * services' limits, when every candidate is limited.
 */
export interface QuotaGroupAdmission {
  quota_group: string;
  /** Tasks per second the group's candidates accept together. */
  rate_per_s: number;
  /** Tasks that may be dispatched at once ahead of the rate (about one second's worth). */
  burst: number;
  /** Every candidate is paused by a 429 until then (ISO-8601), or null. */
  throttled_until: string | null;
}

/** Reply of {@link ROUTER_QUOTA_ADMISSION}: only limited groups are listed (others are not gated). */
export interface QuotaAdmissionReply {
  groups: QuotaGroupAdmission[];
  at: string;
}

/**
 * Quota group of a routed task (see {@link QuotaGroupAdmission}).
 * @param type task type
 * @param data task data (`model` or `model_class` of `llm.chat`)
 */
export function quotaGroupOf(type: string, data: Record<string, unknown> | undefined): string {
  const model = typeof data?.model === 'string' ? data.model : undefined;
  const cls = typeof data?.model_class === 'string' ? data.model_class : undefined;
  if (model) return `${type}|model=${model}`;
  if (cls) return `${type}|class=${cls}`;
  return `${type}|*`;
}
