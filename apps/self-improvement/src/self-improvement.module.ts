import { BeforeApplicationShutdown, DynamicModule, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { openDatabase, SuggestionRepository } from '@apiary/persistence';
import { createHealthController, databaseProviders, LOGGER, NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import { AnalysisHandler } from './analysis/analysis.handler';
import { AnalysisScheduler } from './analysis/analysis-scheduler';
import { AnalysisService } from './analysis/analysis.service';
import { ImpactTracker } from './analysis/impact-tracker';
import { StatisticsCollector } from './analysis/statistics-collector';
import { ImprovementEnv, thresholdsOf } from './env';
import { RULES_BY_ID } from './rules/rules';
import { SuggestionsHandler } from './suggestions/suggestions.handler';
import { SuggestionsService } from './suggestions/suggestions.service';
import { CLOCK, DATA_SOURCE } from './tokens';

/** A clock: epoch ms. */
type Clock = () => number;

/**
 * Providers of self-improvement: PostgreSQL (suggestions, analysis runs), the
 * statistics collector over NATS, the analysis, impact tracking, suggestions and
 * the periodic scheduler. Needs `SERVICE_ENV` (an {@link ImprovementEnv}),
 * `RPC_CLIENT` and `LOGGER` from the service kit.
 * @param clock time source of the domain (default `Date.now`)
 */
export function improvementProviders(clock: Clock = Date.now): Provider[] {
  return [
    { provide: CLOCK, useValue: clock },
    ...databaseProviders(DATA_SOURCE, openDatabase),
    { provide: SuggestionRepository, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new SuggestionRepository(ds) },
    {
      provide: StatisticsCollector,
      inject: [RPC_CLIENT, SERVICE_ENV],
      useFactory: (rpc: NatsRpcClient, env: ImprovementEnv) => new StatisticsCollector(rpc, env.APIARY_ANALYSIS_RPC_TIMEOUT_MS),
    },
    {
      provide: AnalysisService,
      inject: [StatisticsCollector, SuggestionRepository, SERVICE_ENV, CLOCK],
      useFactory: (collector: StatisticsCollector, repo: SuggestionRepository, env: ImprovementEnv, now: Clock) =>
        new AnalysisService(collector, repo, { thresholds: thresholdsOf(env), rejectedSnoozeMs: env.APIARY_REJECTED_SNOOZE_S * 1000 }, now),
    },
    {
      provide: ImpactTracker,
      inject: [SuggestionRepository, StatisticsCollector, LOGGER, CLOCK],
      useFactory: (repo: SuggestionRepository, collector: StatisticsCollector, logger: Logger, now: Clock) =>
        new ImpactTracker(repo, collector, RULES_BY_ID, logger, now),
    },
    {
      provide: SuggestionsService,
      inject: [SuggestionRepository, ImpactTracker, LOGGER, CLOCK],
      useFactory: (repo: SuggestionRepository, impacts: ImpactTracker, logger: Logger, now: Clock) => new SuggestionsService(repo, impacts, logger, now),
    },
    {
      provide: AnalysisScheduler,
      inject: [AnalysisService, ImpactTracker, SuggestionRepository, SERVICE_ENV, LOGGER, CLOCK],
      useFactory: (analysis: AnalysisService, impacts: ImpactTracker, repo: SuggestionRepository, env: ImprovementEnv, logger: Logger, now: Clock) =>
        new AnalysisScheduler(
          analysis,
          impacts,
          repo,
          { intervalMs: env.APIARY_ANALYSIS_INTERVAL_S * 1000, windowHours: env.APIARY_ANALYSIS_WINDOW_HOURS },
          logger,
          now,
        ),
    },
  ];
}

/** Starts the periodic analysis after boot and stops it (waiting for a run in progress) before shutdown. */
class SchedulerRuntime implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(@Inject(AnalysisScheduler) private readonly scheduler: AnalysisScheduler) {}

  onApplicationBootstrap(): void {
    this.scheduler.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.scheduler.stop();
  }
}

/**
 * self-improvement (seed 002 component 4): analyses performance over NATS
 * statistics, keeps suggestions a human approves, never applies anything, and
 * measures the impact of implemented ones.
 */
@Module({})
export class SelfImprovementModule {
  /** @param options.clock time source of the domain (default `Date.now`; tests move it) */
  static forRoot(options: { clock?: Clock } = {}): DynamicModule {
    return {
      module: SelfImprovementModule,
      controllers: [AnalysisHandler, SuggestionsHandler, createHealthController('self-improvement')],
      providers: [...improvementProviders(options.clock), SchedulerRuntime],
    };
  }
}
