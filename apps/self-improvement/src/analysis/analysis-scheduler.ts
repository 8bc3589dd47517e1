import type { Logger } from 'pino';
import type { SuggestionRepository } from '@apiary/persistence';
import type { AnalysisService } from './analysis.service';
import type { ImpactTracker } from './impact-tracker';

/** PostgreSQL advisory-lock key of the periodic analysis (one run at a time over all replicas). */
export const ANALYSIS_LOCK_KEY = 7_263_005;

/** Settings of {@link AnalysisScheduler}. */
export interface SchedulerOptions {
  /** Time between periodic analyses, ms; 0 disables them (`APIARY_ANALYSIS_INTERVAL_S`). */
  intervalMs: number;
  /** Window of a periodic analysis, hours (`APIARY_ANALYSIS_WINDOW_HOURS`). */
  windowHours: number;
}

/** What one {@link AnalysisScheduler.tick} did. */
export type TickOutcome = 'ran' | 'recent' | 'locked' | 'failed';

/**
 * The periodic analysis (seed 000 ContinuousOptimizationEngine
 * `continuous_optimization_cycle`, minus applying anything): every interval,
 * each replica tries the advisory lock; the holder runs an analysis unless a
 * periodic one started less than 90% of an interval ago (so N replicas still run
 * one per interval), then every replica measures due impacts.
 */
export class AnalysisScheduler {
  private timer?: NodeJS.Timeout;
  private inFlight?: Promise<TickOutcome>;

  /**
   * @param analysis the analysis
   * @param impacts impact tracking
   * @param repo advisory lock and the last periodic run
   * @param options interval and window
   * @param logger logger
   * @param now clock, epoch ms (injected for tests)
   */
  constructor(
    private readonly analysis: Pick<AnalysisService, 'analyze'>,
    private readonly impacts: Pick<ImpactTracker, 'measureDue'>,
    private readonly repo: Pick<SuggestionRepository, 'withTryLock' | 'lastAnalysis'>,
    private readonly options: SchedulerOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts ticking every interval (not at once: memory has little to say at start-up); no-op when the interval is 0. */
  start(): void {
    if (this.options.intervalMs <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      if (!this.inFlight) this.inFlight = this.tick().finally(() => (this.inFlight = undefined));
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for a tick in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.inFlight;
  }

  /**
   * One periodic step: analysis under the lock (unless recent), then due impacts.
   * Failures are logged, never thrown.
   */
  async tick(): Promise<TickOutcome> {
    let outcome: TickOutcome;
    try {
      const locked = await this.repo.withTryLock(ANALYSIS_LOCK_KEY, async (): Promise<TickOutcome> => {
        const last = await this.repo.lastAnalysis('periodic');
        if (last && this.now() - Date.parse(last.started_at) < 0.9 * this.options.intervalMs) return 'recent';
        const run = await this.analysis.analyze(this.options.windowHours, 'periodic');
        this.logger.info({ analysis: run.analysis_id, findings: run.findings, created: run.created, updated: run.updated }, 'periodic analysis done');
        return 'ran';
      });
      outcome = locked.ran ? locked.result : 'locked';
    } catch (err) {
      this.logger.warn({ err }, 'periodic analysis failed');
      outcome = 'failed';
    }
    await this.impacts.measureDue().catch((err: unknown) => this.logger.warn({ err }, 'impact measurement failed'));
    return outcome;
  }
}
