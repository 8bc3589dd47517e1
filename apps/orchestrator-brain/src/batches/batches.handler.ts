import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { BatchCompletionView, BRAIN_BATCHES_GET, GetBatchRequest } from '@apiary/contracts';
import { BatchWaiter } from './batch-waiter';

/** NATS entry of `apiary.brain.batches.get` (seed 003 `wait_for_batch_completion`). */
@Controller()
export class BatchesHandler {
  constructor(private readonly waiter: BatchWaiter) {}

  /**
   * A batch's completion, held up to `wait_s` seconds (0..60) until its last task finishes.
   * @throws ApiaryError BATCH_NOT_FOUND
   */
  @MessagePattern(BRAIN_BATCHES_GET)
  get(@Payload() req: GetBatchRequest): Promise<BatchCompletionView> {
    return this.waiter.get(req);
  }
}
