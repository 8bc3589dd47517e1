import {
  ApiaryError,
  ContextDeleted,
  ContextIdRequest,
  ContextView,
  MAX_CONTEXT_DATA_BYTES,
  PatchContextRequest,
  PutContextRequest,
} from '@apiary/contracts';
import type { MemoryContextRepository, MemoryContextRow } from '@apiary/persistence';

function view(row: MemoryContextRow): ContextView {
  return {
    context_id: row.context_id,
    data: row.data,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
  };
}

function notFound(contextId: string): ApiaryError {
  return new ApiaryError('CONTEXT_NOT_FOUND', `Context ${contextId} not found (or expired)`);
}

function tooLarge(): ApiaryError {
  return new ApiaryError('VALIDATION_FAILED', `data: must be at most ${MAX_CONTEXT_DATA_BYTES} bytes of JSON`, [
    { field: 'data', constraints: [`at most ${MAX_CONTEXT_DATA_BYTES} bytes of JSON`] },
  ]);
}

/**
 * Memory contexts (seed 002 `create_context` / `get_context`, "Context: active
 * execution contexts"): JSON objects shared by the tasks that name them, stored
 * in PostgreSQL with an expiry. An expired context is absent everywhere
 * (`CONTEXT_NOT_FOUND`) and purged later by the retention job.
 */
export class ContextsService {
  /**
   * @param repo context storage
   * @param defaultTtlS time to live of a context put without `ttl_s`, seconds
   */
  constructor(
    private readonly repo: Pick<MemoryContextRepository, 'put' | 'get' | 'patch' | 'delete'>,
    private readonly defaultTtlS: number,
  ) {}

  /**
   * Creates the context, or replaces it entirely when the id exists (new data,
   * creation time and expiry).
   * @throws VALIDATION_FAILED (field `data`) when data exceeds 256 KiB of JSON
   */
  async put(req: PutContextRequest): Promise<ContextView> {
    const row = await this.repo.put(req.context_id, req.data, req.ttl_s ?? this.defaultTtlS, MAX_CONTEXT_DATA_BYTES);
    if (!row) throw tooLarge();
    return view(row);
  }

  /** @throws CONTEXT_NOT_FOUND when absent or expired */
  async get(req: ContextIdRequest): Promise<ContextView> {
    const row = await this.repo.get(req.context_id);
    if (!row) throw notFound(req.context_id);
    return view(row);
  }

  /**
   * Shallow merge of `data`; new expiry only when `ttl_s` is given.
   * @throws CONTEXT_NOT_FOUND when absent or expired
   * @throws VALIDATION_FAILED (field `data`) when the merged data would exceed 256 KiB of JSON
   */
  async patch(req: PatchContextRequest): Promise<ContextView> {
    const outcome = await this.repo.patch(req.context_id, req.data, req.ttl_s, MAX_CONTEXT_DATA_BYTES);
    if (outcome.status === 'not_found') throw notFound(req.context_id);
    if (outcome.status === 'too_large') throw tooLarge();
    return view(outcome.context);
  }

  /** @throws CONTEXT_NOT_FOUND when absent or expired */
  async delete(req: ContextIdRequest): Promise<ContextDeleted> {
    if (!(await this.repo.delete(req.context_id))) throw notFound(req.context_id);
    return { context_id: req.context_id, deleted: true };
  }
}
