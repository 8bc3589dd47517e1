/**
 * In-flight calls per service as this router replica knows them (least-loaded
 * input): a tracked route counts against the service of its latest call from the
 * moment it is decided until a `final` outcome releases it, or until its bound
 * (derived from the retry strategy) expires, whichever comes first. Counts are per
 * replica, as in per-instance least-request balancers: each replica sees the calls
 * it routed.
 */
export class InFlightTracker {
  private readonly routes = new Map<string, { service: string; expiresAt: number }>();
  private readonly counts = new Map<string, number>();
  private nextSweepAt = 0;

  /**
   * @param now clock, epoch ms
   * @param sweepEveryMs how often expired routes are looked for, at most
   */
  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepEveryMs = 1000,
  ) {}

  /**
   * Counts a new route against its primary.
   * @param ttlMs longest the route may stay in flight
   */
  track(routeId: string, service: string, ttlMs: number): void {
    this.sweepIfDue();
    if (this.routes.has(routeId)) return;
    this.routes.set(routeId, { service, expiresAt: this.now() + ttlMs });
    this.bump(service, 1);
  }

  /** A call of a tracked route went to `service` (a fallback): the route now counts there. Unknown routes are ignored. */
  moved(routeId: string, service: string): void {
    const r = this.routes.get(routeId);
    if (!r || r.service === service) return;
    this.bump(r.service, -1);
    this.bump(service, 1);
    r.service = service;
  }

  /** The route finished: it no longer counts. Unknown routes are ignored. @returns whether it was tracked */
  release(routeId: string): boolean {
    const r = this.routes.get(routeId);
    if (!r) return false;
    this.routes.delete(routeId);
    this.bump(r.service, -1);
    return true;
  }

  /** @returns in-flight routes of a service */
  count(service: string): number {
    this.sweepIfDue();
    return this.counts.get(service) ?? 0;
  }

  /** @returns tracked routes in flight */
  get size(): number {
    return this.routes.size;
  }

  /** Forgets expired routes now. @returns how many expired */
  sweep(): number {
    const t = this.now();
    this.nextSweepAt = t + this.sweepEveryMs;
    let expired = 0;
    for (const [id, r] of this.routes) {
      if (r.expiresAt <= t) {
        this.routes.delete(id);
        this.bump(r.service, -1);
        expired++;
      }
    }
    return expired;
  }

  private sweepIfDue(): void {
    if (this.now() >= this.nextSweepAt) this.sweep();
  }

  private bump(service: string, d: number): void {
    const n = (this.counts.get(service) ?? 0) + d;
    if (n <= 0) this.counts.delete(service);
    else this.counts.set(service, n);
  }
}
