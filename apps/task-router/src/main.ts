import { startTelemetry } from '@apiary/telemetry';
startTelemetry('task-router');

import 'reflect-metadata';
import { BaseServiceEnv, createLogger, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { RouterModule } from './router.module';

/** Boots task-router. */
async function main(): Promise<void> {
  const env = loadEnv(BaseServiceEnv);
  const logger = createLogger('task-router');
  await runMicroservice({ service: 'task-router', imports: [RouterModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('task-router failed to start:', error);
  process.exit(1);
});
