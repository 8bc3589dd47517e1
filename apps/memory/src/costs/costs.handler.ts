import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { CostsReply, CostsRequest, MEMORY_COSTS } from '@apiary/contracts';
import { CostsService } from './costs.service';

/** NATS entry of spend (`apiary.memory.costs`). */
@Controller()
export class CostsHandler {
  /** @param costs spend over stored results */
  constructor(@Inject(CostsService) private readonly costs: CostsService) {}

  /** Spend grouped by one dimension. @throws VALIDATION_FAILED for a bad `group_by` or window */
  @MessagePattern(MEMORY_COSTS)
  query(@Payload() req: CostsRequest): Promise<CostsReply> {
    return this.costs.costs(req);
  }
}
