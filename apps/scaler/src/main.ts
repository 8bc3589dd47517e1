import { startTelemetry } from '@apiary/telemetry';
startTelemetry('scaler');

import 'reflect-metadata';
import { BaseServiceEnv, createLogger, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { ScalerModule } from './scaler.module';

/** Boots scaler. */
async function main(): Promise<void> {
  const env = loadEnv(BaseServiceEnv);
  const logger = createLogger('scaler');
  await runMicroservice({ service: 'scaler', imports: [ScalerModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('scaler failed to start:', error);
  process.exit(1);
});
