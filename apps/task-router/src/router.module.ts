import { Module } from '@nestjs/common';
import { createHealthController } from '@apiary/service-kit';
import { LaneCatalog } from './routing/lane-catalog';
import { RoutingHandler } from './routing/routing.handler';

/** task-router: capability → lane routing. */
@Module({
  controllers: [RoutingHandler, createHealthController('task-router')],
  providers: [{ provide: LaneCatalog, useFactory: () => new LaneCatalog() }],
})
export class RouterModule {}
