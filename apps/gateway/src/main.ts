import { startTelemetry } from '@apiary/telemetry';
startTelemetry('gateway');

import 'reflect-metadata';
import { createLogger, InvalidEnvironmentError, loadEnv } from '@apiary/service-kit';
import { createGatewayApp } from './app.factory';
import { GatewayEnv, redactEnvProblems } from './config/gateway.env';

/**
 * Entry point of the gateway, the only public HTTP entry of Apiary: telemetry
 * first (above), then the validated environment (exit 1 naming every bad
 * variable), then Nest on `APIARY_HTTP_HOST:APIARY_HTTP_PORT`. SIGTERM/SIGINT
 * close the HTTP server, drain NATS and flush traces.
 */
async function bootstrap(): Promise<void> {
  let env: GatewayEnv;
  try {
    env = loadEnv(GatewayEnv);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) {
      process.stderr.write(`gateway: Invalid environment:\n  ${redactEnvProblems(error.problems).join('\n  ')}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('gateway');
  const app = await createGatewayApp(env, { logger });
  app.enableShutdownHooks();
  await app.listen(env.APIARY_HTTP_PORT, env.APIARY_HTTP_HOST);
  logger.info({ host: env.APIARY_HTTP_HOST, port: env.APIARY_HTTP_PORT }, 'gateway listening');
}

bootstrap().catch((error: unknown) => {
  process.stderr.write(`gateway: failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
