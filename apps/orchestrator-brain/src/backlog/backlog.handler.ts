import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BacklogReply, BacklogRequest, BRAIN_BACKLOG } from '@apiary/contracts';
import { BacklogService } from './backlog.service';

/** NATS entry of the task backlog (`apiary.brain.backlog`). */
@Controller()
export class BacklogHandler {
  /** @param backlog the backlog query */
  constructor(private readonly backlog: BacklogService) {}

  /**
   * Tasks waiting now and the flow over `window_s` (default 300 s).
   * @throws ApiaryError VALIDATION_FAILED for a window outside 1..2,592,000 s
   */
  @MessagePattern(BRAIN_BACKLOG)
  get(@Payload() req: BacklogRequest): Promise<BacklogReply> {
    return this.backlog.backlog(req);
  }
}
