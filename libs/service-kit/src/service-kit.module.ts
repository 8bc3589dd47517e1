import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { connect, NatsConnection } from 'nats';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ServiceName } from '@apiary/contracts';
import { stopTelemetry } from '@apiary/telemetry';
import { BaseServiceEnv } from './base-env';
import { NatsRpcClient } from './rpc-client';
import { NATS_CONNECTION, RPC_CLIENT, SERVICE_ENV, SERVICE_IDENTITY } from './tokens';
import { HEALTH_CHECKS, LOGGER } from './health.tokens';

/** Identity of this replica. */
export interface ServiceIdentity {
  service: ServiceName;
  /** `APIARY_INSTANCE_ID` or `<hostname>:<pid>`. */
  instance: string;
  startedAt: Date;
}

/** Options of {@link ServiceKitModule.forRoot}. */
export interface ServiceKitOptions {
  service: ServiceName;
  env: BaseServiceEnv;
  logger: Logger;
  /** Default RPC reply timeout in ms (default 10,000). */
  rpcTimeoutMs?: number;
}

class NatsConnectionCloser implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (!this.nc.isClosed()) {
      await this.nc.drain().catch((err) => this.logger.warn({ err }, 'NATS drain failed'));
    }
    await stopTelemetry();
  }
}

/**
 * Global module giving every service its validated env, identity, logger, a raw
 * NATS connection (JetStream, events) and a {@link NatsRpcClient}. The connection
 * is drained on shutdown.
 */
@Global()
@Module({})
export class ServiceKitModule {
  /** @param options service name, validated env and logger */
  static forRoot(options: ServiceKitOptions): DynamicModule {
    const identity: ServiceIdentity = {
      service: options.service,
      instance: options.env.APIARY_INSTANCE_ID ?? `${hostname()}:${process.pid}`,
      startedAt: new Date(),
    };
    const providers: Provider[] = [
      { provide: SERVICE_ENV, useValue: options.env },
      { provide: SERVICE_IDENTITY, useValue: identity },
      { provide: LOGGER, useValue: options.logger },
      {
        provide: NATS_CONNECTION,
        useFactory: async () => {
          const nc = await connect({
            servers: options.env.NATS_URL.split(','),
            name: `${identity.service}:${identity.instance}`,
            maxReconnectAttempts: -1,
            reconnectTimeWait: 500,
          });
          void (async () => {
            for await (const s of nc.status()) {
              if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error') {
                options.logger.warn({ nats: s.type, data: String(s.data) }, 'NATS connection status');
              }
            }
          })();
          return nc;
        },
      },
      {
        provide: RPC_CLIENT,
        inject: [NATS_CONNECTION],
        useFactory: (nc: NatsConnection) => new NatsRpcClient(nc, options.rpcTimeoutMs ?? 10_000),
      },
      { provide: HEALTH_CHECKS, useValue: new Map() },
      NatsConnectionCloser,
    ];
    return {
      module: ServiceKitModule,
      providers,
      exports: [SERVICE_ENV, SERVICE_IDENTITY, LOGGER, NATS_CONNECTION, RPC_CLIENT, HEALTH_CHECKS],
    };
  }
}
