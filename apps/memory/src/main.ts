import { startTelemetry } from '@apiary/telemetry';
startTelemetry('memory');

import 'reflect-metadata';
import { DatabaseServiceEnv, serviceMain } from '@apiary/service-kit';
import { MemoryModule } from './memory.module';

/** Boots memory: validated env, telemetry, NATS handlers (queue group 'memory'). */
serviceMain({ service: 'memory', env: DatabaseServiceEnv, imports: [MemoryModule] });
