import type { Logger } from 'pino';
import type { ProbeOutcome, RouterModuleRepository } from '@apiary/persistence';
import { HealthThresholds, nextProbeState } from './health-state';

/** Options of {@link HealthProber}. */
export interface HealthProberOptions {
  /** Period of each service's check, ms (`APIARY_HEALTH_CHECK_INTERVAL_MS`). */
  intervalMs: number;
  /** Timeout of one check, ms (`APIARY_HEALTH_CHECK_TIMEOUT_MS`). */
  timeoutMs: number;
  thresholds: HealthThresholds;
  /** Most services claimed per round (default 500). */
  batch?: number;
  /** How often due checks are looked for, ms (default min(1,000, intervalMs)). */
  tickMs?: number;
}

/**
 * Active health checks of registered HTTP services (issue 4: health changes without
 * anyone calling `PUT /services/{name}/health`). Each round, a replica claims the
 * services whose check is due (`FOR UPDATE SKIP LOCKED`, pushing their next check one
 * interval ahead, so replicas never probe the same service in the same round),
 * probes them concurrently (`GET {endpoint}{path}`), applies the thresholds
 * ({@link nextProbeState}) and stores every result in one statement. When a status
 * changed, `onChange` reloads this replica's routing snapshot; the others follow
 * through the config version.
 */
export class HealthProber {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;

  /**
   * @param repo claims and stores checks
   * @param probe performs one check (`probeHttp`)
   * @param options interval, timeout, thresholds
   * @param onChange called after a round that changed a status
   * @param logger logger
   */
  constructor(
    private readonly repo: Pick<RouterModuleRepository, 'claimDueProbes' | 'recordProbes'>,
    private readonly probe: (url: string, timeoutMs: number) => Promise<boolean>,
    private readonly options: HealthProberOptions,
    private readonly onChange: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Starts the rounds. */
  start(): void {
    this.stopped = false;
    const tick = this.options.tickMs ?? Math.min(1000, this.options.intervalMs);
    this.timer ??= setInterval(() => {
      if (this.running || this.stopped) return;
      this.running = this.round()
        .catch((err) => this.logger.warn({ err }, 'health check round failed'))
        .finally(() => (this.running = undefined));
    }, tick);
    this.timer.unref();
  }

  /** Stops the rounds and waits for the one in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /**
   * One round: claim due services, probe, store.
   * @returns services probed and names whose status changed
   */
  async round(): Promise<{ probed: number; changed: string[] }> {
    const claims = await this.repo.claimDueProbes(this.options.batch ?? 500, this.options.intervalMs);
    if (claims.length === 0) return { probed: 0, changed: [] };
    const outcomes: ProbeOutcome[] = await Promise.all(
      claims.map(async (claim) => {
        const ok = await this.probe(`${claim.endpoint}${claim.path}`, this.options.timeoutMs);
        return { claim, ...nextProbeState(claim, ok, this.options.thresholds) };
      }),
    );
    const changed = await this.repo.recordProbes(outcomes);
    if (changed.length) {
      this.logger.info(
        { changed: outcomes.filter((o) => changed.includes(o.claim.name)).map((o) => ({ service: o.claim.name, from: o.claim.status, to: o.status })) },
        'service health changed',
      );
      await this.onChange();
    }
    return { probed: claims.length, changed };
  }
}
