import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  ContextDeleted,
  ContextIdRequest,
  ContextView,
  MEMORY_CONTEXT_DELETE,
  MEMORY_CONTEXT_GET,
  MEMORY_CONTEXT_PATCH,
  MEMORY_CONTEXT_PUT,
  PatchContextRequest,
  PutContextRequest,
} from '@apiary/contracts';
import { ContextsService } from './contexts.service';

/** NATS entry of memory contexts (`apiary.memory.contexts.put / get / patch / delete`). */
@Controller()
export class ContextsHandler {
  /** @param contexts the context rules */
  constructor(private readonly contexts: ContextsService) {}

  /**
   * Create or replace a context.
   * @throws VALIDATION_FAILED naming the field (bad id, data not an object or over 256 KiB, ttl_s outside 1..31,536,000)
   */
  @MessagePattern(MEMORY_CONTEXT_PUT)
  put(@Payload() req: PutContextRequest): Promise<ContextView> {
    return this.contexts.put(req);
  }

  /** One context (bot-runtime hands it to handlers). @throws CONTEXT_NOT_FOUND */
  @MessagePattern(MEMORY_CONTEXT_GET)
  get(@Payload() req: ContextIdRequest): Promise<ContextView> {
    return this.contexts.get(req);
  }

  /** Shallow merge. @throws CONTEXT_NOT_FOUND, VALIDATION_FAILED */
  @MessagePattern(MEMORY_CONTEXT_PATCH)
  patch(@Payload() req: PatchContextRequest): Promise<ContextView> {
    return this.contexts.patch(req);
  }

  /** Delete. @throws CONTEXT_NOT_FOUND */
  @MessagePattern(MEMORY_CONTEXT_DELETE)
  delete(@Payload() req: ContextIdRequest): Promise<ContextDeleted> {
    return this.contexts.delete(req);
  }
}
