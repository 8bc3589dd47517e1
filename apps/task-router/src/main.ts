import { startTelemetry } from '@apiary/telemetry';
startTelemetry('task-router');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { RouterEnv } from './env';
import { RouterModule } from './router.module';

/** Boots task-router: validated env (RouterEnv: NATS, DATABASE_URL, routing and health-check settings), telemetry, NATS handlers (queue group 'task-router'). */
serviceMain({ service: 'task-router', env: RouterEnv, imports: [RouterModule] });
