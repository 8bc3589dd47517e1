import { DynamicModule, INestApplicationContext, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions, NatsOptions, Transport } from '@nestjs/microservices';
import { createServer, Server } from 'node:http';
import type { Logger } from 'pino';
import { ServiceName } from '@apiary/contracts';
import { BaseServiceEnv } from './base-env';
import { HEALTH_CHECKS } from './health.tokens';
import { HealthChecks, runHealthChecks } from './health';
import { PinoNestLogger } from './nest-logger';
import { NatsTracingInterceptor } from './nats-tracing.interceptor';
import { RpcErrorFilter } from './rpc-error.filter';
import { rpcValidationPipe } from './rpc-validation.pipe';
import { NATS_CONNECTION, SERVICE_IDENTITY } from './tokens';
import { ServiceKitModule } from './service-kit.module';
import { InvalidEnvironmentError, loadEnv } from './env';
import { createLogger } from './logger';

/**
 * Nest NATS transport options for a service: queue group named after the app (so
 * replicas share requests) and graceful shutdown (in-flight requests finish).
 */
export function natsTransportOptions(service: ServiceName, env: BaseServiceEnv): NatsOptions {
  return {
    transport: Transport.NATS,
    options: {
      servers: env.NATS_URL.split(','),
      queue: service,
      name: `${service}-rpc`,
      gracefulShutdown: true,
      // Nest waits the whole period after unsubscribing, even when idle: request
      // handlers are short, so one second lets in-flight replies go out.
      gracePeriod: Math.min(env.APIARY_SHUTDOWN_GRACE_MS, 1000),
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    },
  };
}

/** Applies the validation pipe, error filter and tracing interceptor to NATS handlers. */
export function applyRpcGlobals(app: INestMicroservice, logger: Logger): void {
  app.useGlobalPipes(rpcValidationPipe());
  app.useGlobalFilters(new RpcErrorFilter(logger));
  app.useGlobalInterceptors(new NatsTracingInterceptor());
}

/**
 * Starts the probe server (`GET /livez` → 200 while the process runs,
 * `GET /readyz` → 200 when every health check passes, else 503).
 * @param port TCP port (0 = disabled)
 */
export function startProbeServer(app: INestApplicationContext, port: number, logger: Logger): Server | undefined {
  if (!port) return undefined;
  const server = createServer((req, res) => {
    if (req.url === '/livez') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"alive"}');
      return;
    }
    if (req.url === '/readyz') {
      void runHealthChecks(app.get(SERVICE_IDENTITY), app.get(NATS_CONNECTION), app.get<HealthChecks>(HEALTH_CHECKS))
        .then((h) => res.writeHead(h.status === 'healthy' ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(h)))
        .catch(() => res.writeHead(503).end());
      return;
    }
    res.writeHead(404).end();
  });
  server.listen(port, () => logger.info({ port }, 'probe server listening'));
  return server;
}

/** Options of {@link runMicroservice}. */
export interface RunServiceOptions {
  service: ServiceName;
  /** The service's feature modules; {@link ServiceKitModule} is added. */
  imports: (Type<unknown> | DynamicModule)[];
  env: BaseServiceEnv;
  logger: Logger;
  /** Default RPC reply timeout, ms. */
  rpcTimeoutMs?: number;
}

/**
 * Builds the root module of a service: {@link ServiceKitModule} plus its features.
 * @param options service, env, logger and feature modules
 */
export function rootModule(options: RunServiceOptions): DynamicModule {
  @Module({})
  class ApiaryRootModule {}
  return {
    module: ApiaryRootModule,
    imports: [
      ServiceKitModule.forRoot({ service: options.service, env: options.env, logger: options.logger, rpcTimeoutMs: options.rpcTimeoutMs }),
      ...options.imports,
    ],
  };
}

/**
 * Boots a NATS-only service: Nest microservice with queue group, validation,
 * error filter, tracing, shutdown hooks (SIGTERM/SIGINT drain in-flight work), and
 * the probe server.
 * @returns the running microservice
 */
export async function runMicroservice(options: RunServiceOptions): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice<MicroserviceOptions>(
    rootModule(options),
    { ...natsTransportOptions(options.service, options.env), logger: new PinoNestLogger(options.logger) },
  );
  applyRpcGlobals(app, options.logger);
  app.enableShutdownHooks();
  await app.listen();
  const probe = startProbeServer(app, options.env.APIARY_PROBE_PORT, options.logger);
  if (probe) process.once('SIGTERM', () => probe.close());
  options.logger.info({ service: options.service }, 'service started');
  return app;
}

/** Options of {@link serviceMain}. */
export interface ServiceMainOptions<E extends BaseServiceEnv> {
  service: ServiceName;
  /** class-validator DTO of the service's environment. */
  env: new () => E;
  /** The service's feature modules. */
  imports: (Type<unknown> | DynamicModule)[];
}

/**
 * The whole `main()` of a NATS-only service: validate the environment (exit 1
 * naming every bad variable), create the logger, boot with {@link runMicroservice};
 * any start-up failure is printed and exits 1. Call after `startTelemetry`.
 */
export function serviceMain<E extends BaseServiceEnv>(options: ServiceMainOptions<E>): void {
  const start = async () => {
    const env = loadEnv(options.env);
    const logger = createLogger(options.service);
    await runMicroservice({ service: options.service, imports: options.imports, env, logger });
  };
  start().catch((error: unknown) => {
    if (error instanceof InvalidEnvironmentError) console.error(`${options.service}: ${error.message}`);
    else console.error(`${options.service} failed to start:`, error);
    process.exit(1);
  });
}
