import { ApiaryError, MAX_CONTEXT_DATA_BYTES } from '@apiary/contracts';
import type { MemoryContextRepository, MemoryContextRow, PatchOutcome } from '@apiary/persistence';
import { ContextsService } from './contexts.service';

describe('ContextsService', () => {
  const row: MemoryContextRow = {
    context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch' }, created_at: new Date('2026-03-01T00:00:00.000Z'),
    updated_at: new Date('2026-03-01T00:00:01.000Z'), expires_at: new Date('2026-03-08T00:00:00.000Z'),
  };
  const view = {
    context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch' }, created_at: '2026-03-01T00:00:00.000Z',
    updated_at: '2026-03-01T00:00:01.000Z', expires_at: '2026-03-08T00:00:00.000Z',
  };
  function repo(over: Partial<Pick<MemoryContextRepository, 'put' | 'get' | 'patch' | 'delete'>> = {}) {
    const calls: unknown[][] = [];
    const fail = async (): Promise<never> => {
      throw new Error('unexpected');
    };
    return {
      calls,
      repo: {
        put: over.put ? async (...a: Parameters<MemoryContextRepository['put']>) => (calls.push(a), over.put!(...a)) : fail,
        get: over.get ?? fail,
        patch: over.patch ? async (...a: Parameters<MemoryContextRepository['patch']>) => (calls.push(a), over.patch!(...a)) : fail,
        delete: over.delete ?? fail,
      },
    };
  }
  const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: ApiaryError) => `${e.code}: ${e.message}`);

  it('puts with the default TTL unless ttl_s is given, within the size limit', async () => {
    const { repo: r, calls } = repo({ put: async () => row });
    const service = new ContextsService(r, 604_800);
    expect(await service.put({ context_id: 'campaign_2024', data: { campaign_name: 'Q1 Launch' } })).toEqual(view);
    await service.put({ context_id: 'campaign_2024', data: {}, ttl_s: 30 });
    expect(calls).toEqual([
      ['campaign_2024', { campaign_name: 'Q1 Launch' }, 604_800, MAX_CONTEXT_DATA_BYTES],
      ['campaign_2024', {}, 30, MAX_CONTEXT_DATA_BYTES],
    ]);
  });

  it('names the data field when a context is too large', async () => {
    const put = new ContextsService(repo({ put: async () => undefined }).repo, 60);
    expect(await code(put.put({ context_id: 'c', data: {} }))).toBe('VALIDATION_FAILED: data: must be at most 262144 bytes of JSON');
    const patch = new ContextsService(repo({ patch: async (): Promise<PatchOutcome> => ({ status: 'too_large' }) }).repo, 60);
    expect(await code(patch.patch({ context_id: 'c', data: { x: 1 } }))).toMatch(/^VALIDATION_FAILED: data:/);
  });

  it('answers CONTEXT_NOT_FOUND for an absent (or expired) context on get, patch and delete', async () => {
    const service = new ContextsService(
      repo({ get: async () => undefined, patch: async () => ({ status: 'not_found' }), delete: async () => false }).repo,
      60,
    );
    expect(await code(service.get({ context_id: 'gone' }))).toBe('CONTEXT_NOT_FOUND: Context gone not found (or expired)');
    expect(await code(service.patch({ context_id: 'gone', ttl_s: 5 }))).toMatch(/^CONTEXT_NOT_FOUND/);
    expect(await code(service.delete({ context_id: 'gone' }))).toMatch(/^CONTEXT_NOT_FOUND/);
  });

  it('patches with the given data and ttl, and deletes', async () => {
    const { repo: r, calls } = repo({ patch: async () => ({ status: 'updated', context: row }), delete: async () => true });
    const service = new ContextsService(r, 60);
    expect(await service.patch({ context_id: 'campaign_2024', data: { a: 1 } })).toEqual(view);
    expect(calls).toEqual([['campaign_2024', { a: 1 }, undefined, MAX_CONTEXT_DATA_BYTES]]);
    expect(await service.delete({ context_id: 'campaign_2024' })).toEqual({ context_id: 'campaign_2024', deleted: true });
  });
});
