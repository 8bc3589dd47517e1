import { startTelemetry } from '@apiary/telemetry';
startTelemetry('scaler');

import 'reflect-metadata';
import { BaseServiceEnv, serviceMain } from '@apiary/service-kit';
import { ScalerModule } from './scaler.module';

/** Boots scaler: validated env, telemetry, NATS handlers (queue group 'scaler'). */
serviceMain({ service: 'scaler', env: BaseServiceEnv, imports: [ScalerModule] });
