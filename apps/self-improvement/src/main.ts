import { startTelemetry } from '@apiary/telemetry';
startTelemetry('self-improvement');

import 'reflect-metadata';
import { BaseServiceEnv, createLogger, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { SelfImprovementModule } from './self-improvement.module';

/** Boots self-improvement. */
async function main(): Promise<void> {
  const env = loadEnv(BaseServiceEnv);
  const logger = createLogger('self-improvement');
  await runMicroservice({ service: 'self-improvement', imports: [SelfImprovementModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('self-improvement failed to start:', error);
  process.exit(1);
});
