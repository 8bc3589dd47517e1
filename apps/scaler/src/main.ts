import { startTelemetry } from '@apiary/telemetry';
startTelemetry('scaler');

import 'reflect-metadata';
import { serviceMain } from '@apiary/service-kit';
import { ScalerEnv } from './env';
import { ScalerModule } from './scaler.module';

/** Boots scaler: validated env, telemetry, NATS handlers (queue group 'scaler'). */
serviceMain({ service: 'scaler', env: ScalerEnv, imports: [ScalerModule] });
