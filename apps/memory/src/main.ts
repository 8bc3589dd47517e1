import { startTelemetry } from '@apiary/telemetry';
startTelemetry('memory');

import 'reflect-metadata';
import { createLogger, DatabaseServiceEnv, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { MemoryModule } from './memory.module';

/** Boots memory. */
async function main(): Promise<void> {
  const env = loadEnv(DatabaseServiceEnv);
  const logger = createLogger('memory');
  await runMicroservice({ service: 'memory', imports: [MemoryModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('memory failed to start:', error);
  process.exit(1);
});
