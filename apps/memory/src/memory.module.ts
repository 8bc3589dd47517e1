import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { EVENTS_STREAM, MEMORY_RESULTS_CONSUMER } from '@apiary/contracts';
import { openDatabase, ServiceStatsRepository, TaskResultRepository } from '@apiary/persistence';
import {
  BatchConsumer,
  createHealthController,
  databaseProviders,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
} from '@apiary/service-kit';
import { ResultRecorder } from './results/result-recorder';
import { ServiceStatsHandler } from './stats/service-stats.handler';
import { ServiceStatsService } from './stats/service-stats.service';
import { StatsRetention } from './stats/stats-retention';

const DATA_SOURCE = Symbol('MEMORY_DATA_SOURCE');
/** How often expired statistics buckets are deleted, ms. */
const STATS_PRUNE_INTERVAL_MS = 10 * 60_000;

const providers: Provider[] = [
  ...databaseProviders(DATA_SOURCE, openDatabase),
  {
    provide: ResultRecorder,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new ResultRecorder(new TaskResultRepository(ds)),
  },
  {
    provide: ServiceStatsService,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new ServiceStatsService(new ServiceStatsRepository(ds)),
  },
  {
    provide: StatsRetention,
    inject: [DATA_SOURCE, LOGGER],
    useFactory: (ds: DataSource, logger: Logger) => new StatsRetention(new ServiceStatsRepository(ds), STATS_PRUNE_INTERVAL_MS, logger),
  },
];

/** Runs the results consumer and the statistics retention for the life of the app. */
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
      maxWaitMs: 50,
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
 * memory: stores every task result (batched, idempotent), learns statistics per
 * (task type, service) from them, and answers `apiary.memory.service-stats`.
 */
@Module({
  controllers: [ServiceStatsHandler, createHealthController('memory')],
  providers: [...providers, ResultsConsumerRunner],
})
export class MemoryModule {}
