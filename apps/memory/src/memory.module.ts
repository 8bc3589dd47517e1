import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { EVENTS_STREAM, MEMORY_RESULTS_CONSUMER } from '@apiary/contracts';
import { openDatabase, TaskResultRepository } from '@apiary/persistence';
import {
  BatchConsumer,
  createHealthController,
  databaseProviders,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
} from '@apiary/service-kit';
import { ResultRecorder } from './results/result-recorder';

const DATA_SOURCE = Symbol('MEMORY_DATA_SOURCE');

const providers: Provider[] = [
  ...databaseProviders(DATA_SOURCE, openDatabase),
  {
    provide: ResultRecorder,
    inject: [DATA_SOURCE],
    useFactory: (ds: DataSource) => new ResultRecorder(new TaskResultRepository(ds)),
  },
];

/** Runs the results consumer for the life of the app. */
class ResultsConsumerRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer?: BatchConsumer;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly recorder: ResultRecorder,
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
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
  }
}

/** memory: stores every task result (batched, idempotent). */
@Module({
  controllers: [createHealthController('memory')],
  providers: [...providers, ResultsConsumerRunner],
})
export class MemoryModule {}
