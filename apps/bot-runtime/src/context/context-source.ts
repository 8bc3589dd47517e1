import { ApiaryError, ContextIdRequest, ContextView, MEMORY_CONTEXT_GET } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import { HandlerError } from '../handlers/task-handler';

/** The memory context a handler receives (issue 5; seed 002 "Context"). */
export interface TaskContextData {
  context_id: string;
  data: Record<string, unknown>;
}

/** Reads memory contexts for tasks that name one (port; {@link MemoryContextSource} in production). */
export interface ContextSource {
  /**
   * @param contextId the task's `context_id`
   * @returns the context's id and data
   * @throws HandlerError `CONTEXT_NOT_FOUND` (not retryable: missing or expired),
   *   `MEMORY_UNAVAILABLE` (retryable: memory down or slow)
   */
  get(contextId: string): Promise<TaskContextData>;
}

/**
 * {@link ContextSource} asking memory over `apiary.memory.contexts.get`, one
 * request per task that names a context (read when the attempt starts, so a PATCH
 * made while the task waited is seen).
 */
export class MemoryContextSource implements ContextSource {
  /**
   * @param rpc NATS RPC client
   * @param timeoutMs reply timeout, ms
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly timeoutMs: number,
  ) {}

  async get(contextId: string): Promise<TaskContextData> {
    const request: ContextIdRequest = { context_id: contextId };
    try {
      const view = await this.rpc.request<ContextView>(MEMORY_CONTEXT_GET, request, { timeoutMs: this.timeoutMs });
      return { context_id: view.context_id, data: view.data };
    } catch (err) {
      if (err instanceof ApiaryError && (err.code === 'CONTEXT_NOT_FOUND' || err.code === 'VALIDATION_FAILED')) {
        throw new HandlerError('CONTEXT_NOT_FOUND', `context "${contextId}" does not exist (or expired)`, false);
      }
      throw new HandlerError('MEMORY_UNAVAILABLE', `context "${contextId}" could not be read: ${(err as Error).message}`, true);
    }
  }
}
