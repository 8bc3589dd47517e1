// Proves the result cache's key (SHA-256 of type and canonical data: field order does not matter, type and model do)
// and what a hit answers (the stored result, cached: true, cost_usd: 0).
import { createHash } from 'node:crypto';
import { cachedResult, cacheKeyOf, ResultCache } from './result-cache';

describe('cacheKeyOf', () => {
  it('is the hex SHA-256 of the type, a newline and the canonical JSON of the data', () => {
    const expected = createHash('sha256').update('llm.chat\n{"model":"m","prompt":"hi"}').digest('hex');
    expect(cacheKeyOf('llm.chat', { prompt: 'hi', model: 'm' })).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
  });

  it('does not depend on key order, at any depth', () => {
    const a = cacheKeyOf('llm.chat', { prompt: 'hi', model: 'm', response_format: { type: 'json_schema', json_schema: { name: 'x', strict: true } } });
    const b = cacheKeyOf('llm.chat', { response_format: { json_schema: { strict: true, name: 'x' }, type: 'json_schema' }, model: 'm', prompt: 'hi' });
    expect(a).toBe(b);
  });

  it('depends on the type, the model and every value', () => {
    const base = cacheKeyOf('llm.chat', { prompt: 'hi', model: 'm' });
    expect(cacheKeyOf('summarise', { prompt: 'hi', model: 'm' })).not.toBe(base);
    expect(cacheKeyOf('llm.chat', { prompt: 'hi', model: 'n' })).not.toBe(base);
    expect(cacheKeyOf('llm.chat', { prompt: 'hi ', model: 'm' })).not.toBe(base);
    expect(cacheKeyOf('llm.chat', { prompt: 'hi', model: 'm', temperature: 0 })).not.toBe(base);
    expect(cacheKeyOf('llm.chat', { messages: [{ role: 'user', content: 'a' }, { role: 'user', content: 'b' }] })).not.toBe(
      cacheKeyOf('llm.chat', { messages: [{ role: 'user', content: 'b' }, { role: 'user', content: 'a' }] }),
    );
  });

  it('keeps the type and the data apart (no ambiguity across the separator)', () => {
    expect(cacheKeyOf('a', { b: 1 })).not.toBe(cacheKeyOf('a\n{"b":1}', undefined));
  });

  it('treats absent data as {} and ignores undefined fields', () => {
    expect(cacheKeyOf('noop', undefined)).toBe(cacheKeyOf('noop', {}));
    expect(cacheKeyOf('llm.chat', { prompt: 'hi', model: undefined })).toBe(cacheKeyOf('llm.chat', { prompt: 'hi' }));
  });
});

describe('cachedResult', () => {
  it('answers the stored result with cached: true and cost_usd: 0, without changing the stored one', () => {
    const stored = { text: 'hello', model: 'm', cost_usd: 0.0042, usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 } };
    expect(cachedResult(stored)).toEqual({ text: 'hello', model: 'm', usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 }, cached: true, cost_usd: 0 });
    expect(stored.cost_usd).toBe(0.0042);
    expect(stored).not.toHaveProperty('cached');
  });

  it('wraps a result that is not an object as { value }', () => {
    expect(cachedResult('ok')).toEqual({ value: 'ok', cached: true, cost_usd: 0 });
    expect(cachedResult([1, 2])).toEqual({ value: [1, 2], cached: true, cost_usd: 0 });
    expect(cachedResult(null)).toEqual({ value: null, cached: true, cost_usd: 0 });
    expect(cachedResult(7)).toEqual({ value: 7, cached: true, cost_usd: 0 });
  });
});

describe('ResultCache', () => {
  it('reads lookups, counters and purges from its repository', async () => {
    const calls: string[] = [];
    const cache = new ResultCache({
      lookup: async (keys) => (calls.push(`lookup ${keys.join(',')}`), new Map([['k1', { text: 'x' }]])),
      counters: async () => (calls.push('counters'), { hits: 2, misses: 5, entries: 1 }),
      purge: async () => (calls.push('purge'), 3),
    });
    expect(await cache.lookup(['k1', 'k2'])).toEqual(new Map([['k1', { text: 'x' }]]));
    expect(await cache.stats()).toEqual({ hits: 2, misses: 5, entries: 1 });
    expect(await cache.purge()).toBe(3);
    expect(calls).toEqual(['lookup k1,k2', 'counters', 'purge']);
  });
});
