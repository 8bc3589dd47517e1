import type { BreakerState, CallOutcomesEvent } from '@apiary/contracts';

const SEVERITY: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * Circuit-breaker states per service as the bot-runtime replicas report them
 * (`apiary.router.outcomes`). A service's state is the worst over runtime replicas
 * heard from within `ttlMs` (open > half_open > closed): one replica with an open
 * breaker makes it `open`. A replica that stops reporting (gone) stops counting.
 */
export class BreakerBoard {
  private readonly lastHeard = new Map<string, number>();
  private readonly states = new Map<string, Map<string, BreakerState>>();

  /**
   * @param ttlMs how long a replica's reports count after its last one, ms
   * @param now clock, epoch ms
   */
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records a report: the runner is alive, and its breaker changes (in order). */
  apply(event: Pick<CallOutcomesEvent, 'runner' | 'breakers'>): void {
    this.lastHeard.set(event.runner, this.now());
    for (const b of event.breakers ?? []) {
      let byRunner = this.states.get(b.service_name);
      if (!byRunner) this.states.set(b.service_name, (byRunner = new Map()));
      byRunner.set(event.runner, b.state);
    }
  }

  /** @returns service → worst state over runners heard from recently (services with no live report are absent) */
  snapshot(): Record<string, BreakerState> {
    const t = this.now();
    const out: Record<string, BreakerState> = {};
    for (const [runner, at] of this.lastHeard) {
      if (t - at > this.ttlMs) this.lastHeard.delete(runner);
    }
    for (const [service, byRunner] of [...this.states].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let worst: BreakerState | undefined;
      for (const [runner, state] of byRunner) {
        if (!this.lastHeard.has(runner)) {
          byRunner.delete(runner);
          continue;
        }
        if (worst === undefined || SEVERITY[state] > SEVERITY[worst]) worst = state;
      }
      if (worst) out[service] = worst;
      else this.states.delete(service);
    }
    return out;
  }
}
