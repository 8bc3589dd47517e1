import { startTelemetry } from '@apiary/telemetry';
startTelemetry('orchestrator-brain');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { BrainEnv } from './env';
import { BrainModule } from './brain.module';

/** Boots orchestrator-brain: validated env, telemetry, NATS handlers (queue group 'orchestrator-brain'). */
serviceMain({ service: 'orchestrator-brain', env: BrainEnv, imports: [BrainModule] });
