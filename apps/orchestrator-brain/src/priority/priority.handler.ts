import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BRAIN_PRIORITY_GET, BRAIN_PRIORITY_SET_MULTIPLIERS, PriorityConfigView, SetMultipliersRequest } from '@apiary/contracts';
import { PriorityConfigService } from './priority-config.service';

/** NATS entry of the priority configuration (`apiary.brain.priority.*`). */
@Controller()
export class PriorityHandler {
  constructor(private readonly config: PriorityConfigService) {}

  /** The priority rules in force: levels, type multipliers, tier weights, aging (points/min). */
  @MessagePattern(BRAIN_PRIORITY_GET)
  get(): PriorityConfigView {
    return this.config.view();
  }

  /** @throws ApiaryError VALIDATION_FAILED naming the bad type */
  @MessagePattern(BRAIN_PRIORITY_SET_MULTIPLIERS)
  set(@Payload() req: SetMultipliersRequest): Promise<PriorityConfigView> {
    return this.config.set(req.type_multipliers);
  }
}
