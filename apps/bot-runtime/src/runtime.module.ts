import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import {
  createHealthController,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
  SERVICE_ENV,
  SERVICE_IDENTITY,
  ServiceIdentity,
} from '@apiary/service-kit';
import { RuntimeEnv } from './env';
import { builtinHandlers } from './handlers/registry';
import { WorkRunner } from './worker/work-runner';

/** Starts the worker after boot and drains it before the NATS connection closes. */
class WorkRunnerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner?: WorkRunner;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(SERVICE_ENV) private readonly env: RuntimeEnv,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureJetStreamTopology(jsm);
    const only = this.env.APIARY_RUNTIME_HANDLERS?.split(',').filter(Boolean) ?? [];
    this.runner = new WorkRunner(
      this.nc.jetstream(),
      jsm,
      builtinHandlers(only),
      {
        concurrency: this.env.APIARY_RUNTIME_CONCURRENCY,
        ackWaitMs: this.env.APIARY_ACK_WAIT_MS,
        maxDeliver: this.env.APIARY_MAX_DELIVER,
        heartbeatMs: this.env.APIARY_HEARTBEAT_MS ?? Math.max(100, Math.floor(this.env.APIARY_ACK_WAIT_MS / 3)),
        graceMs: this.env.APIARY_SHUTDOWN_GRACE_MS,
        startedDelayMs: this.env.APIARY_STARTED_EVENT_DELAY_MS,
      },
      this.identity.instance,
      this.logger,
    );
    await this.runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner?.stop();
  }
}

/** bot-runtime: the horizontally scaled worker pool. */
@Module({
  controllers: [createHealthController('bot-runtime')],
  providers: [WorkRunnerLifecycle],
})
export class RuntimeModule {}
