import { startTelemetry } from '@apiary/telemetry';
startTelemetry('self-improvement');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { ImprovementEnv } from './env';
import { SelfImprovementModule } from './self-improvement.module';

/** Boots self-improvement: validated env, telemetry, PostgreSQL, NATS handlers (queue group 'self-improvement'), periodic analysis. */
serviceMain({ service: 'self-improvement', env: ImprovementEnv, imports: [SelfImprovementModule.forRoot()] });
