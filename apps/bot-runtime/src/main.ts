import { startTelemetry } from '@apiary/telemetry';
startTelemetry('bot-runtime');

import 'reflect-metadata';
import { createLogger, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { RuntimeEnv } from './env';
import { RuntimeModule } from './runtime.module';

/** Boots one bot-runtime replica. */
async function main(): Promise<void> {
  const env = loadEnv(RuntimeEnv);
  const logger = createLogger('bot-runtime');
  await runMicroservice({ service: 'bot-runtime', imports: [RuntimeModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('bot-runtime failed to start:', error);
  process.exit(1);
});
