import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { MicroserviceOptions, NestMicroservice } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { applyRpcGlobals, createLogger, natsTransportOptions, PinoNestLogger } from '@apiary/service-kit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-keys';
import type { GatewayEnv } from './config/gateway.env';
import { bodyParserErrorTranslator, HttpErrorFilter } from './errors/http-exception.filter';
import { GatewayModule } from './gateway.module';
import { setupOpenApi } from './openapi/openapi';
import { httpTracingMiddleware, HttpTracingInterceptor } from './tracing/http-tracing';
import { HttpValidationPipe } from './validation/http-validation.pipe';

/** Grace period in ms of the gateway's NATS handlers on shutdown. */
const GATEWAY_NATS_GRACE_MS = 1_000;

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  /** Logger (default `createLogger('gateway')`). */
  logger?: Logger;
}

/**
 * Builds the gateway: an Express Nest app (JSON body parser limited to
 * `APIARY_BODY_LIMIT_BYTES`, API key guard, validation pipe, error filter,
 * tracing, OpenAPI document at `/openapi.json` and Swagger UI at `/docs`) that is
 * also a NATS microservice answering `apiary.gateway.health`
 * in queue group `gateway`. The microservice is started; the HTTP server is not:
 * call `app.listen(port, host)`. Used by `main.ts` and the integration spec.
 * @param env validated gateway environment
 * @param options logger override
 * @returns the initialised app, not yet listening on HTTP
 * @throws when NATS cannot be reached (the connection is made at init)
 */
export async function createGatewayApp(env: GatewayEnv, options: GatewayAppOptions = {}): Promise<INestApplication> {
  const logger = options.logger ?? createLogger('gateway');
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(env, logger), {
    bodyParser: false,
    logger: new PinoNestLogger(logger),
    // Throw (main prints it and exits 1) instead of Nest's default process.abort().
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.use(httpTracingMiddleware);
  app.useBodyParser('json', {
    limit: env.APIARY_BODY_LIMIT_BYTES,
    // Scalars and arrays are parsed, then refused with VALIDATION_FAILED by the
    // pipe (only malformed JSON is INVALID_JSON).
    strict: false,
    type: ['application/json', 'application/*+json'],
  });
  app.use(bodyParserErrorTranslator);
  app.useGlobalGuards(new ApiKeyGuard(app.get(Reflector), new ApiKeyRegistry(env.APIARY_API_KEYS)));
  app.useGlobalPipes(new HttpValidationPipe());
  app.useGlobalFilters(new HttpErrorFilter(logger));
  app.useGlobalInterceptors(new HttpTracingInterceptor());
  // GET /openapi.json and GET /docs (Swagger UI): public Express routes, registered
  // before init() appends the 404 handler.
  setupOpenApi(app);

  // Deferred so that the NATS handlers are registered when the microservice starts,
  // after its own globals (validation, error filter, tracing) below; otherwise Nest
  // registers them at connect time and ignores globals added later. The HTTP app
  // runs the lifecycle hooks; the microservice must not run them a second time.
  const transport = natsTransportOptions('gateway', env);
  const microservice = app.connectMicroservice<MicroserviceOptions>(
    // Nest's NATS server waits its whole grace period on shutdown even when idle;
    // the gateway's only NATS handler (health) answers at once, so 1 s is plenty.
    { ...transport, options: { ...transport.options, gracePeriod: Math.min(env.APIARY_SHUTDOWN_GRACE_MS, GATEWAY_NATS_GRACE_MS) } },
    { deferInitialization: true },
  );
  if (microservice instanceof NestMicroservice) microservice.setIsInitHookCalled(true);
  applyRpcGlobals(microservice, logger);
  await app.init();
  await app.startAllMicroservices();
  return app;
}
