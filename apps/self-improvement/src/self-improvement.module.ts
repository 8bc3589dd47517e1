import { Module } from '@nestjs/common';
import { createHealthController } from '@apiary/service-kit';

/**
 * self-improvement: module skeleton. It answers `apiary.improvement.health`;
 * its domain features are built by their own issue (DESIGN.md "Services").
 */
@Module({
  controllers: [createHealthController('self-improvement')],
})
export class SelfImprovementModule {}
