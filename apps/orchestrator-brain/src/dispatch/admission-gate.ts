import { QuotaAdmissionReply, QuotaGroupAdmission, ROUTER_QUOTA_ADMISSION } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';

/** Where the dispatcher learns the admission rates of limited quota groups (task-router). */
export interface AdmissionSource {
  /** @returns the limited groups; an empty list when unknown (nothing gated) */
  groups(): Promise<QuotaGroupAdmission[]>;
}

/**
 * {@link AdmissionSource} over `apiary.router.quota.admission`, reused for `ttlMs`.
 * When task-router does not answer, the last answer stands (or none: nothing is
 * gated, and bot-runtime's permits still hold the limits).
 */
export class RouterAdmissionSource implements AdmissionSource {
  private cached: { at: number; groups: QuotaGroupAdmission[] } | undefined;

  /**
   * @param rpc NATS RPC client
   * @param ttlMs how long an answer is reused, ms
   * @param timeoutMs reply timeout, ms
   * @param now clock, ms
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly ttlMs = 500,
    private readonly timeoutMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** {@inheritDoc AdmissionSource.groups} */
  async groups(): Promise<QuotaGroupAdmission[]> {
    const t = this.now();
    if (this.cached && t - this.cached.at < this.ttlMs) return this.cached.groups;
    try {
      const reply = await this.rpc.request<QuotaAdmissionReply>(ROUTER_QUOTA_ADMISSION, {}, { timeoutMs: this.timeoutMs });
      this.cached = { at: t, groups: reply.groups ?? [] };
    } catch {
      this.cached = { at: t, groups: this.cached?.groups ?? [] };
    }
    return this.cached.groups;
  }
}

/**
 * The dispatcher's gate for routed tasks under provider limits (docs/ai-work.md
 * "Rate limits"): one token bucket per limited quota group, refilled at the rate
 * the group's services accept together (capacity: its burst, about a second's
 * worth). Tasks of a group are claimed only as its bucket allows, in rank order, so
 * a task waiting for quota stays `queued` in PostgreSQL, does not hold the dispatch
 * window against other services' tasks, and priority order holds within the group.
 * Per brain replica: bot-runtime's permits are what hold the limit exactly.
 */
export class AdmissionGate {
  private readonly buckets = new Map<string, { tokens: number; at: number; rate: number; burst: number; pausedUntil: number }>();

  /** @param now clock, ms */
  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Takes the router's latest rates; groups no longer listed are no longer gated.
   * @param groups limited groups with their rate, burst and pause
   */
  update(groups: QuotaGroupAdmission[]): void {
    const t = this.now();
    const seen = new Set<string>();
    for (const g of groups) {
      seen.add(g.quota_group);
      const paused = g.throttled_until ? Date.parse(g.throttled_until) : 0;
      const b = this.buckets.get(g.quota_group);
      if (b) {
        this.refill(b, t);
        b.rate = g.rate_per_s;
        b.burst = Math.max(1, g.burst);
        b.tokens = Math.min(b.tokens, b.burst);
        b.pausedUntil = paused;
      } else {
        this.buckets.set(g.quota_group, { tokens: Math.max(1, g.burst), at: t, rate: g.rate_per_s, burst: Math.max(1, g.burst), pausedUntil: paused });
      }
    }
    for (const k of [...this.buckets.keys()]) if (!seen.has(k)) this.buckets.delete(k);
  }

  /** @returns every gated group (claimed apart from the rest) */
  gated(): string[] {
    return [...this.buckets.keys()];
  }

  /**
   * @returns per gated group, how many tasks may be claimed now (whole tokens; 0
   *   while its services are paused)
   */
  allowances(): { group: string; limit: number }[] {
    const t = this.now();
    return [...this.buckets.entries()].map(([group, b]) => {
      this.refill(b, t);
      return { group, limit: b.pausedUntil > t ? 0 : Math.floor(b.tokens) };
    });
  }

  /** Spends tokens for tasks claimed. */
  take(group: string, n: number): void {
    const b = this.buckets.get(group);
    if (b) b.tokens = Math.max(0, b.tokens - n);
  }

  private refill(b: { tokens: number; at: number; rate: number; burst: number }, t: number): void {
    b.tokens = Math.min(b.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * b.rate);
    b.at = t;
  }
}
