import { BeforeApplicationShutdown, Inject, Module, OnApplicationBootstrap, Provider } from '@nestjs/common';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { openDatabase } from '@apiary/persistence';
import { createHealthController, databaseProviders, LOGGER, NATS_CONNECTION, NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import type { ScalerEnv } from './env';
import { ScalingHandler } from './scaling/scaling.handler';
import { createScaler, ScalerParts } from './scaling/scaler.factory';
import { AUTOSCALER, DATA_SOURCE } from './tokens';

const SCALER_PARTS = Symbol('SCALER_PARTS');

/** Starts the heartbeat listener, the metrics endpoint and the control loop after boot; stops them (draining local replicas) before NATS and the database close. */
class ScalerLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(SCALER_PARTS) private readonly parts: ScalerParts,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(SERVICE_ENV) private readonly env: ScalerEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.parts.listener.start();
    if (this.parts.exporter) {
      await this.parts.exporter.start();
      this.logger.info({ port: this.env.APIARY_SCALER_METRICS_PORT ?? 9464 }, 'Prometheus metrics at /metrics');
    }
    await this.parts.autoscaler.start();
    this.logger.info({ driver: this.parts.driver.name, policy: this.env.APIARY_SCALER_POLICY, interval_ms: this.env.APIARY_SCALER_INTERVAL_MS }, 'scaler started');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.parts.autoscaler.stop();
    this.parts.listener.stop();
    await this.parts.exporter?.stop();
  }
}

const providers: Provider[] = [
  ...databaseProviders(DATA_SOURCE, openDatabase),
  {
    provide: SCALER_PARTS,
    inject: [SERVICE_ENV, NATS_CONNECTION, RPC_CLIENT, DATA_SOURCE, LOGGER],
    useFactory: (env: ScalerEnv, nc: NatsConnection, rpc: NatsRpcClient, ds: DataSource, logger: Logger) => createScaler(env, nc, rpc, ds, logger),
  },
  { provide: AUTOSCALER, inject: [SCALER_PARTS], useFactory: (parts: ScalerParts) => parts.autoscaler },
  ScalerLifecycle,
];

/**
 * scaler (issue 7): replica heartbeats, backlog and task signals, rule votes,
 * policies, predictive and target-based decisions, drivers (local, kubernetes,
 * hpa), history, vertical advice and capacity planning, on `apiary.scaler.*`.
 */
@Module({
  controllers: [createHealthController('scaler'), ScalingHandler],
  providers,
})
export class ScalerModule {}
