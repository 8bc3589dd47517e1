import { startTelemetry } from '@apiary/telemetry';
startTelemetry('orchestrator-brain');

import 'reflect-metadata';
import { createLogger, InvalidEnvironmentError, loadEnv, runMicroservice } from '@apiary/service-kit';
import { BrainModule } from './brain.module';
import { BrainEnv } from './env';

/** Boots orchestrator-brain: validated env, telemetry, NATS handlers, background loops. */
async function main(): Promise<void> {
  const env = loadEnv(BrainEnv);
  const logger = createLogger('orchestrator-brain');
  await runMicroservice({ service: 'orchestrator-brain', imports: [BrainModule], env, logger });
}

main().catch((error: unknown) => {
  if (error instanceof InvalidEnvironmentError) console.error(error.message);
  else console.error('orchestrator-brain failed to start:', error);
  process.exit(1);
});
