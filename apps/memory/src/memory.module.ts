import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { DATASET_PENDING_TTL_S, EVENTS_STREAM, MEMORY_RESULTS_CONSUMER } from '@apiary/contracts';
import {
  CostRepository,
  DatasetRepository,
  MemoryContextRepository,
  MemoryStatsRepository,
  openDatabase,
  RunnerStatsRepository,
  ServiceStatsRepository,
  TaskResultRepository,
} from '@apiary/persistence';
import {
  BatchConsumer,
  createHealthController,
  databaseProviders,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
  SERVICE_ENV,
} from '@apiary/service-kit';
import { ContextsHandler } from './contexts/contexts.handler';
import { ContextsService } from './contexts/contexts.service';
import { MemoryEnv } from './env';
import { PatternsHandler } from './patterns/patterns.handler';
import { PatternsService } from './patterns/patterns.service';
import { MemoryResultsService } from './results/memory-results.service';
import { ResultRecorder } from './results/result-recorder';
import { ResultsHandler } from './results/results.handler';
import { ServiceStatsHandler } from './stats/service-stats.handler';
import { ServiceStatsService } from './stats/service-stats.service';
import { StatsRetention, STATS_RETENTION_MS } from './stats/stats-retention';
import { SummaryHandler } from './summary/summary.handler';
import { SummaryService } from './summary/summary.service';
import { DATA_SOURCE } from './tokens';
import { CostsHandler } from './costs/costs.handler';
import { CostsService } from './costs/costs.service';
import { DatasetsHandler } from './datasets/datasets.handler';
import { DatasetsService } from './datasets/datasets.service';

/**
 * Longest a completion waits for its batch, ms. Each batch pays a fixed cost for
 * its statistics rows (one read-modify-write of a latency histogram per task type,
 * service and resolution it touches), so batches gather for up to 200 ms: at
 * 10,000 results/s that is ~2,000 results per batch, and learning lags by 0.2 s.
 */
const BATCH_WAIT_MS = 200;
/** How often the retention jobs run (statistics pruning, expired contexts purge), ms. */
const RETENTION_INTERVAL_MS = 60_000;

/** Memory's environment with its defaults when the app is booted with a plain `DatabaseServiceEnv` (tests). */
function memoryEnv(env: Partial<MemoryEnv>): MemoryEnv {
  return Object.assign(new MemoryEnv(), env);
}

const providers: Provider[] = [
  ...databaseProviders(DATA_SOURCE, openDatabase),
  { provide: DatasetsService, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new DatasetsService(new DatasetRepository(ds)) },
  { provide: CostsService, inject: [DATA_SOURCE], useFactory: (ds: DataSource) => new CostsService(new CostRepository(ds)) },
  {
    provide: ResultRecorder,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new ResultRecorder(new TaskResultRepository(ds)),
  },
  {
    provide: ServiceStatsService,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) =>
      new ServiceStatsService({
        serviceStats: new ServiceStatsRepository(ds),
        memoryStats: new MemoryStatsRepository(ds),
        runnerStats: new RunnerStatsRepository(ds),
      }),
  },
  {
    provide: PatternsService,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new PatternsService({ memoryStats: new MemoryStatsRepository(ds), results: new TaskResultRepository(ds) }),
  },
  {
    provide: ContextsService,
    inject: [DATA_SOURCE, SERVICE_ENV],
    useFactory: (ds: DataSource, env: MemoryEnv) => new ContextsService(new MemoryContextRepository(ds), memoryEnv(env).APIARY_MEMORY_CONTEXT_TTL_S),
  },
  {
    provide: MemoryResultsService,
    inject: [DATA_SOURCE, SERVICE_ENV],
    useFactory: (ds: DataSource, env: MemoryEnv) => new MemoryResultsService(new TaskResultRepository(ds), memoryEnv(env).APIARY_MEMORY_SHORT_TERM),
  },
  {
    provide: SummaryService,
    inject: [DATA_SOURCE, SERVICE_ENV],
    useFactory: (ds: DataSource, env: MemoryEnv) =>
      new SummaryService(
        { results: new TaskResultRepository(ds), memoryStats: new MemoryStatsRepository(ds), contexts: new MemoryContextRepository(ds) },
        { shortTerm: memoryEnv(env).APIARY_MEMORY_SHORT_TERM, patternMinResults: memoryEnv(env).APIARY_MEMORY_PATTERN_MIN_RESULTS },
      ),
  },
  {
    provide: StatsRetention,
    inject: [DATA_SOURCE, LOGGER],
    useFactory: (ds: DataSource, logger: Logger) => {
      const serviceStats = new ServiceStatsRepository(ds);
      const memoryStats = new MemoryStatsRepository(ds);
      const runnerStats = new RunnerStatsRepository(ds);
      const contexts = new MemoryContextRepository(ds);
      const datasets = new DatasetRepository(ds);
      return new StatsRetention(
        [
          { name: 'service_stats', run: (now) => serviceStats.prune(new Date(now.getTime() - STATS_RETENTION_MS)) },
          { name: 'memory_stats', run: (now) => memoryStats.prune(now) },
          { name: 'runner_stats', run: (now) => runnerStats.prune(now) },
          { name: 'memory_contexts', run: () => contexts.purgeExpired() },
          // Uploads abandoned by a gateway that died mid-stream (docs/datasets.md "Upload").
          { name: 'dataset_uploads', run: () => datasets.purgeStalePending(DATASET_PENDING_TTL_S) },
        ],
        RETENTION_INTERVAL_MS,
        logger,
      );
    },
  },
];

/** Runs the results consumer and the retention jobs for the life of the app. */
class ResultsConsumerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: BatchConsumer;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly recorder: ResultRecorder,
    private readonly retention: StatsRetention,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await ensureJetStreamTopology(await this.nc.jetstreamManager());
    this.consumer = new BatchConsumer({
      js: this.nc.jetstream(),
      stream: EVENTS_STREAM,
      consumer: MEMORY_RESULTS_CONSUMER,
      maxBatch: 1000,
      maxWaitMs: BATCH_WAIT_MS,
      handle: async (msgs) => {
        await this.recorder.record(msgs);
      },
      logger: this.logger,
    });
    await this.consumer.start();
    this.retention.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.retention.stop();
    await this.consumer?.stop();
  }
}

/**
 * memory (seed 002 component 3 "Memory System"): stores every task result
 * (batched, idempotent) and learns from it in the same transaction (per-service
 * minute statistics for the brain; long-term per-type and per-service statistics
 * with latency histograms and error patterns; per-runner load). Answers
 * `apiary.memory.service-stats`, `runner-stats`, `patterns`, `contexts.*`,
 * `relevant`, `short-term` and `summary`; stores CSV datasets
 * (`apiary.memory.datasets.*`, docs/datasets.md).
 */
@Module({
  controllers: [ServiceStatsHandler, PatternsHandler, ContextsHandler, ResultsHandler, SummaryHandler, CostsHandler, DatasetsHandler, createHealthController('memory')],
  providers: [...providers, ResultsConsumerRunner],
})
export class MemoryModule {}
