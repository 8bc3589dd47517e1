import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { createHealthController, ServiceKitModule } from '@apiary/service-kit';
import type { GatewayEnv } from './config/gateway.env';
import { HealthController } from './health/health.handler';
import { OrchestrateController } from './orchestrate/orchestrate.handler';
import { TasksController } from './tasks/tasks.handler';
import { BotsController } from './bots/bots.handler';
import { SwarmsController } from './bots/swarms.handler';
import { PriorityController } from './priority/priority.handler';
import { ServicesController } from './routing/services.handler';
import { RoutingController } from './routing/routing.handler';
import { ModulesController } from './routing/modules.handler';
import { DecisionsController } from './decisions/decisions.handler';
import { ScalingController } from './scaling/scaling.handler';
import { WorkflowDefinitionsController, WorkflowsController } from './workflows/workflows.handler';
import { BatchesController } from './workflows/batches.handler';
import { SchedulesController } from './workflows/schedules.handler';
import { MemoryController } from './memory/memory.handler';
import { ImprovementController } from './improvement/improvement.handler';
import { CostsController } from './ai/costs.handler';
import { DatasetsController } from './datasets/datasets.handler';

/**
 * Root module of the gateway: the service kit (env, NATS connection, RPC client
 * with the `APIARY_RPC_TIMEOUT_MS` default), the HTTP controllers, and the NATS
 * handler answering `apiary.gateway.health`.
 */
@Module({})
export class GatewayModule {
  /**
   * @param env validated gateway environment
   * @param logger gateway logger
   */
  static forRoot(env: GatewayEnv, logger: Logger): DynamicModule {
    return {
      module: GatewayModule,
      imports: [ServiceKitModule.forRoot({ service: 'gateway', env, logger, rpcTimeoutMs: env.APIARY_RPC_TIMEOUT_MS })],
      controllers: [
        TasksController,
        OrchestrateController,
        BotsController,
        SwarmsController,
        PriorityController,
        DecisionsController,
        ServicesController,
        RoutingController,
        ModulesController,
        ScalingController,
        MemoryController,
        ImprovementController,
        WorkflowsController,
        WorkflowDefinitionsController,
        BatchesController,
        SchedulesController,
        CostsController,
        DatasetsController,
        HealthController,
        createHealthController('gateway'),
      ],
    };
  }
}
