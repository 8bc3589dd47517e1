import 'reflect-metadata';
import { INestApplication } from '@nestjs/common';
import { NestFactory, Reflector } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { applyRpcGlobals, createLogger, natsTransportOptions, PinoNestLogger } from '@apiary/service-kit';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-keys';
import type { GatewayEnv } from './config/gateway.env';
import { bodyParserErrorTranslator, HttpErrorFilter } from './errors/http-exception.filter';
import { GatewayModule } from './gateway.module';
import { httpTracingMiddleware, HttpTracingInterceptor } from './tracing/http-tracing';
import { HttpValidationPipe } from './validation/http-validation.pipe';

/** Options of {@link createGatewayApp}. */
export interface GatewayAppOptions {
  /** Logger (default `createLogger('gateway')`). */
  logger?: Logger;
}

/**
 * Builds the gateway: an Express Nest app (JSON body parser limited to
 * `APIARY_BODY_LIMIT_BYTES`, API key guard, validation pipe, error filter,
 * tracing) that is also a NATS microservice answering `apiary.gateway.health`
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

  const microservice = app.connectMicroservice<MicroserviceOptions>(natsTransportOptions('gateway', env));
  applyRpcGlobals(microservice, logger);
  await app.startAllMicroservices();
  await app.init();
  return app;
}
