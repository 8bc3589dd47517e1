import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap } from '@nestjs/common';
import { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import {
  createHealthController,
  ensureJetStreamTopology,
  LOGGER,
  NATS_CONNECTION,
  NatsRpcClient,
  RPC_CLIENT,
  SERVICE_ENV,
  SERVICE_IDENTITY,
  ServiceIdentity,
} from '@apiary/service-kit';
import { RuntimeEnv } from './env';
import { builtinHandlers } from './handlers/registry';
import { OutcomeReporter } from './routing/outcome-reporter';
import { MemoryContextSource } from './context/context-source';
import { MemoryDatasetSource } from './datasets/dataset-source';
import { RoutedCaller } from './routing/routed-caller';
import { NatsRouteSource } from './routing/route-source';
import { NatsQuotaClient } from './routing/quota-client';
import { ServiceBreakers } from './routing/service-breakers';
import { WorkRunner } from './worker/work-runner';
import { ReplicaHeartbeatPublisher } from './heartbeat/replica-heartbeat';

/**
 * Starts the worker after boot and drains it before the NATS connection closes.
 * Routed tasks (issue 4) get a {@link RoutedCaller}: route requests over the RPC
 * client, per-service breakers, and outcome reports on the same connection.
 */
class WorkRunnerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner?: WorkRunner;
  private outcomes?: OutcomeReporter;
  private heartbeat?: ReplicaHeartbeatPublisher;

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: RuntimeEnv,
    @Inject(SERVICE_IDENTITY) private readonly identity: ServiceIdentity,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    await ensureJetStreamTopology(jsm);
    const only = this.env.APIARY_RUNTIME_HANDLERS?.split(',').filter(Boolean) ?? [];
    const outcomes = new OutcomeReporter(
      this.nc,
      this.identity.instance,
      { flushMs: this.env.APIARY_OUTCOME_FLUSH_MS, maxBatch: this.env.APIARY_OUTCOME_BATCH },
      this.logger,
    );
    this.outcomes = outcomes;
    const breakers = new ServiceBreakers(
      { threshold: this.env.APIARY_BREAKER_THRESHOLD, halfOpenAfterMs: this.env.APIARY_BREAKER_HALF_OPEN_MS },
      (service, state, at) => {
        this.logger.info({ service, breaker: state }, 'service circuit breaker changed');
        outcomes.breaker(service, state, at);
      },
    );
    const heartbeat = new ReplicaHeartbeatPublisher(this.nc, this.identity.instance, { intervalMs: this.env.APIARY_REPLICA_HEARTBEAT_MS, concurrency: this.env.APIARY_RUNTIME_CONCURRENCY }, this.logger);
    this.heartbeat = heartbeat;
    const routed = new RoutedCaller({
      router: new NatsRouteSource(this.rpc, this.env.APIARY_ROUTER_TIMEOUT_MS),
      breakers,
      outcomes,
      quota: new NatsQuotaClient(this.rpc, this.nc, this.env.APIARY_ROUTER_TIMEOUT_MS),
      maxQuotaWaitMs: this.env.APIARY_QUOTA_MAX_WAIT_MS,
      defaultMaxTokens: this.env.APIARY_LLM_DEFAULT_MAX_TOKENS,
    });
    this.runner = new WorkRunner(
      this.nc.jetstream(),
      jsm,
      heartbeat.instrument(builtinHandlers(only, { routed, datasets: new MemoryDatasetSource(this.rpc, this.env.APIARY_MEMORY_TIMEOUT_MS) })),
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
      new MemoryContextSource(this.rpc, this.env.APIARY_MEMORY_TIMEOUT_MS),
    );
    await this.runner.start();
    heartbeat.start(this.runner);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.heartbeat?.draining();
    await this.runner?.stop();
    this.outcomes?.stop();
    await this.heartbeat?.stop();
  }
}

/** bot-runtime: the horizontally scaled worker pool. */
@Module({
  controllers: [createHealthController('bot-runtime')],
  providers: [WorkRunnerLifecycle],
})
export class RuntimeModule {}
