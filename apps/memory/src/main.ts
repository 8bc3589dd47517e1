import { startTelemetry } from '@apiary/telemetry';
startTelemetry('memory');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { MemoryEnv } from './env';
import { MemoryModule } from './memory.module';

/** Boots memory: validated env, telemetry, NATS handlers (queue group 'memory'). */
serviceMain({ service: 'memory', env: MemoryEnv, imports: [MemoryModule] });
