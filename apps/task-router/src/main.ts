import { startTelemetry } from '@apiary/telemetry';
startTelemetry('task-router');

import 'reflect-metadata';
import { BaseServiceEnv, serviceMain } from '@apiary/service-kit';
import { RouterModule } from './router.module';

/** Boots task-router: validated env, telemetry, NATS handlers (queue group 'task-router'). */
serviceMain({ service: 'task-router', env: BaseServiceEnv, imports: [RouterModule] });
