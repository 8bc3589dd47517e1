import { startTelemetry } from '@apiary/telemetry';
startTelemetry('self-improvement');

import 'reflect-metadata';
import { BaseServiceEnv, serviceMain } from '@apiary/service-kit';
import { SelfImprovementModule } from './self-improvement.module';

/** Boots self-improvement: validated env, telemetry, NATS handlers (queue group 'self-improvement'). */
serviceMain({ service: 'self-improvement', env: BaseServiceEnv, imports: [SelfImprovementModule] });
