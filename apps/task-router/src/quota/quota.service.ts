import type { Logger } from 'pino';
import {
  ApiaryError,
  QuotaAcquireReply,
  QuotaAcquireRequest,
  QuotaAdmissionReply,
  QuotaGroupAdmission,
  QuotaReleaseEvent,
  QuotaThrottleReply,
  QuotaThrottleRequest,
  ServiceUsage,
} from '@apiary/contracts';
import type { QuotaRepository, QuotaUsageRow } from '@apiary/persistence';
import type { RouterSnapshot, ServiceEntry } from '../registry/router-snapshot';
import type { PauseBoard } from '../routing/route.service';
import { correctTokens, decidePermit, isLimited, PermitDecision, ratePerSecond } from './gcra';

/** Storage of the limits' state (PostgreSQL: {@link QuotaRepository}). */
export type QuotaStore = Pick<QuotaRepository, 'reserve' | 'release' | 'throttle' | 'usage' | 'purge'>;

/** Tunables of {@link QuotaService}. */
export interface QuotaConfig {
  /** How often pauses and usage are re-read from PostgreSQL (other replicas' 429 reports), ms. */
  refreshMs: number;
  /** How long one admission answer is reused, ms. */
  admissionTtlMs: number;
  /** Tokens a call is assumed to take before any usage was seen. */
  defaultTokensPerCall: number;
  /** Wait suggested when every concurrency slot is taken, ms. */
  concurrencyRetryMs: number;
}

/** Lease of a call whose acquire gave no `lease_ms`: a generous bound on one call, ms. */
const DEFAULT_LEASE_MS = 300_000;

/**
 * Provider limits across every bot-runtime replica (docs/ai-work.md "Rate limits"):
 * permits ({@link acquire}) from one GCRA schedule per service kept in PostgreSQL
 * ({@link decidePermit}), concurrency leases, the pause a provider's 429 asks for
 * ({@link throttle}), the correction of token reservations by `usage`
 * ({@link release}), and the dispatch rates of the groups of routed tasks
 * ({@link admission}) that gate the brain's dispatcher so waiting tasks stay queued.
 */
export class QuotaService implements PauseBoard {
  private pauses = new Map<string, number>();
  private usageRows = new Map<string, QuotaUsageRow>();
  private admissionCache?: { at: number; reply: QuotaAdmissionReply };
  private timer?: NodeJS.Timeout;
  private refreshes = 0;

  /**
   * @param store the limits' state
   * @param snapshot the routing snapshot in force (services and their limits)
   * @param config refresh and estimates
   * @param logger logger
   * @param now clock, epoch ms (pauses are compared with it)
   */
  constructor(
    private readonly store: QuotaStore,
    private readonly snapshot: () => RouterSnapshot,
    private readonly config: QuotaConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads pauses and usage, then refreshes them every `refreshMs`. */
  async start(): Promise<void> {
    await this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'quota state not loaded; retrying'));
    this.timer ??= setInterval(() => void this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'quota refresh failed')), this.config.refreshMs);
    this.timer.unref();
  }

  /** Stops refreshing. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** {@inheritDoc PauseBoard.pausedUntil} */
  pausedUntil(service: string): number {
    return this.pauses.get(service) ?? 0;
  }

  /**
   * Reserves one call to a service: granted with the delay until its turn (and a
   * lease when the service caps calls in flight), or refused with when to retry.
   * A service without limits is only checked for a pause.
   * @throws ApiaryError `SERVICE_NOT_FOUND` for an unregistered service
   */
  async acquire(req: QuotaAcquireRequest): Promise<QuotaAcquireReply> {
    const service = this.service(req.service_name);
    const limits = service.limits ?? {};
    if (!isLimited(limits)) {
      const wait = this.pausedUntil(service.service_name) - this.now();
      if (wait > req.max_wait_ms) return refused(wait, 'throttled');
      return { granted: true, delay_ms: Math.max(0, Math.ceil(wait)), permit_id: null, retry_after_ms: 0, reason: null };
    }
    const tokens = limits.tpm ? req.tokens : 0;
    const outcome = await this.store.reserve<PermitDecision>(service.service_name, (state, nowMs) => {
      const d = decidePermit(state, limits, { tokens, maxWaitMs: req.max_wait_ms }, nowMs);
      if (!d.granted) return { result: d, write: { granted: false } as const };
      const lease = limits.max_concurrency ? { ms: (req.lease_ms ?? DEFAULT_LEASE_MS) + d.delayMs, max: limits.max_concurrency } : undefined;
      return { result: d, write: { granted: true, next: d.next, tokens, lease } };
    });
    const d = outcome.decision;
    if (!d.granted) return refused(d.retryAfterMs, d.reason);
    if (outcome.concurrencyFull) return refused(this.config.concurrencyRetryMs, 'concurrency');
    return { granted: true, delay_ms: d.delayMs, turn_at_ms: Math.ceil(d.turnMs), permit_id: outcome.permitId, retry_after_ms: 0, reason: null };
  }

  /**
   * Pauses a service for the time its provider's 429 asked (`Retry-After` or
   * `x-ratelimit-reset-*`); the pause holds on every replica (stored, and seen
   * within `refreshMs` elsewhere).
   */
  async throttle(req: QuotaThrottleRequest): Promise<QuotaThrottleReply> {
    const service = this.service(req.service_name);
    const until = await this.store.throttle(service.service_name, req.retry_after_ms);
    // The stored time is PostgreSQL's; keep the local view at least as long.
    this.pauses.set(service.service_name, Math.max(this.pausedUntil(service.service_name), this.now() + req.retry_after_ms, until));
    this.admissionCache = undefined;
    this.logger.info({ service: service.service_name, retry_after_ms: req.retry_after_ms, source: req.source }, 'provider throttled: service paused');
    return { service_name: service.service_name, throttled_until: new Date(until).toISOString() };
  }

  /** Releases a call's lease and corrects its token reservation by the tokens used. Unknown services are ignored. */
  async release(event: QuotaReleaseEvent): Promise<void> {
    const service = this.snapshot().service(event.service_name);
    if (!service) return;
    const limits = service.limits ?? {};
    const reserved = limits.tpm ? Math.max(0, event.tokens_reserved) : 0;
    const used = limits.tpm ? Math.max(0, event.tokens_used) : 0;
    const tatDelta = correctTokens(0, limits, reserved, used);
    if (!event.permit_id && tatDelta === 0 && used === reserved) return;
    await this.store.release(service.service_name, event.permit_id, tatDelta, used - reserved);
  }

  /**
   * Dispatch rates of the groups of routed tasks whose every candidate service is
   * rate limited (docs/ai-work.md "Rate limits": a group is a task type with its model
   * pin or class). A group's rate is the sum of its candidates' `rate_per_s`; paused
   * candidates count 0, and a group whose candidates are all paused says until when.
   */
  admission(): QuotaAdmissionReply {
    const now = this.now();
    if (this.admissionCache && now - this.admissionCache.at < this.config.admissionTtlMs) return this.admissionCache.reply;
    const snapshot = this.snapshot();
    const groups: QuotaGroupAdmission[] = [];
    for (const cap of snapshot.capabilities()) {
      const usable = snapshot.capable(cap).filter((s) => s.enabled && s.status !== 'unhealthy');
      if (usable.length === 0) continue;
      const candidates = new Map<string, ServiceEntry[]>([[`${cap}|*`, usable]]);
      for (const s of usable) {
        if (s.protocol !== 'openai') continue;
        for (const m of s.models ?? []) {
          push(candidates, `${cap}|model=${m.name}`, s);
          if (m.class) push(candidates, `${cap}|class=${m.class}`, s);
        }
      }
      for (const [group, services] of candidates) {
        const g = this.groupAdmission(group, services, now);
        if (g) groups.push(g);
      }
    }
    const reply = { groups, at: new Date(now).toISOString() };
    this.admissionCache = { at: now, reply };
    return reply;
  }

  /**
   * Live use of services' limits (`GET /services/{name}` `usage`).
   * @returns by service: requests and tokens of the last 60 s, leases in force, pause
   */
  async usageOf(services: string[]): Promise<Map<string, ServiceUsage>> {
    const rows = await this.store.usage(services);
    const out = new Map<string, ServiceUsage>();
    const now = this.now();
    for (const r of rows) {
      const until = Math.max(r.throttled_until_ms, this.pausedUntil(r.service));
      out.set(r.service, {
        rpm: r.requests,
        tpm: r.tokens,
        in_flight: r.in_flight,
        throttled_until: until > now ? new Date(until).toISOString() : null,
      });
    }
    return out;
  }

  private groupAdmission(group: string, services: ServiceEntry[], now: number): QuotaGroupAdmission | undefined {
    let rate = 0;
    let earliestPauseEnd = Infinity;
    let allPaused = true;
    for (const s of services) {
      const limits = s.limits ?? {};
      if (!limits.rpm && !limits.tpm) return undefined; // an unlimited candidate: the group is not gated
      const until = this.pausedUntil(s.service_name);
      if (until > now) {
        earliestPauseEnd = Math.min(earliestPauseEnd, until);
        continue;
      }
      allPaused = false;
      const u = this.usageRows.get(s.service_name);
      const avg = u && u.requests > 0 ? u.tokens / u.requests : this.config.defaultTokensPerCall;
      rate += ratePerSecond(limits, avg);
    }
    return {
      quota_group: group,
      rate_per_s: Math.round(rate * 1000) / 1000,
      burst: Math.max(1, Math.floor(rate)),
      throttled_until: allPaused && Number.isFinite(earliestPauseEnd) ? new Date(earliestPauseEnd).toISOString() : null,
    };
  }

  private service(name: string): ServiceEntry {
    const s = this.snapshot().service(name);
    if (!s) throw new ApiaryError('SERVICE_NOT_FOUND', `Service ${name} is not registered`, { service_name: name });
    return s;
  }

  private async refresh(): Promise<void> {
    const rows = await this.store.usage();
    const pauses = new Map<string, number>();
    for (const r of rows) {
      const local = this.pauses.get(r.service) ?? 0;
      const until = Math.max(local, r.throttled_until_ms);
      if (until > this.now()) pauses.set(r.service, until);
    }
    this.pauses = pauses;
    this.usageRows = new Map(rows.map((r) => [r.service, r]));
    // Old usage seconds and lapsed leases are dropped about once a minute.
    if (++this.refreshes % Math.max(1, Math.round(60_000 / this.config.refreshMs)) === 0) await this.store.purge();
  }
}

function refused(retryAfterMs: number, reason: 'rpm' | 'tpm' | 'concurrency' | 'throttled'): QuotaAcquireReply {
  return { granted: false, delay_ms: 0, permit_id: null, retry_after_ms: Math.max(1, Math.ceil(retryAfterMs)), reason };
}

function push(map: Map<string, ServiceEntry[]>, key: string, s: ServiceEntry): void {
  const list = map.get(key);
  if (!list) map.set(key, [s]);
  else if (!list.includes(s)) list.push(s);
}
