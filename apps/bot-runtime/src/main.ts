import { startTelemetry } from '@apiary/telemetry';
startTelemetry('bot-runtime');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { RuntimeEnv } from './env';
import { RuntimeModule } from './runtime.module';

/** Boots bot-runtime: validated env, telemetry, NATS handlers (queue group 'bot-runtime'). */
serviceMain({ service: 'bot-runtime', env: RuntimeEnv, imports: [RuntimeModule] });
