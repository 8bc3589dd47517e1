import { Module } from '@nestjs/common';
import { createHealthController } from '@apiary/service-kit';

/**
 * scaler: module skeleton. It answers `apiary.scaler.health`;
 * its domain features are built by their own issue (DESIGN.md "Services").
 */
@Module({
  controllers: [createHealthController('scaler')],
})
export class ScalerModule {}
