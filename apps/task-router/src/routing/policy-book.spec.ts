import type { PolicyRow } from '@apiary/persistence';
import { backoffDelayMs, PolicyBook, routeDurationBoundMs } from './policy-book';

function row(task_type: string, fields: Partial<PolicyRow> = {}): PolicyRow {
  return {
    task_type, strategy: null, max_retries: null, backoff: null, timeout_s: null, base_delay_ms: null, cost_weight: null, cache_ttl_s: null,
    updated_at: new Date('2026-01-01T00:00:00Z'), ...fields,
  };
}

describe('PolicyBook', () => {
  it('defaults to the env strategy and seed 002 retry strategy', () => {
    const book = new PolicyBook([], 'learned');
    expect(book.resolve('email_campaign')).toEqual({
      task_type: 'email_campaign',
      strategy: 'learned',
      retry_strategy: { max_retries: 3, backoff: 'exponential', timeout: 30, base_delay_ms: 1000 },
      cost_weight: 1,
      cache_ttl_s: 0,
      updated_at: null,
    });
    expect(book.defaultPolicy().task_type).toBe('*');
    expect(book.typePolicies()).toEqual([]);
  });

  it('linear backoff starts at 5 s unless a delay is set', () => {
    const book = new PolicyBook([row('video', { backoff: 'linear', timeout_s: 60 }), row('fast', { backoff: 'linear', base_delay_ms: 100 })], 'round_robin');
    expect(book.resolve('video').retry_strategy).toEqual({ max_retries: 3, backoff: 'linear', timeout: 60, base_delay_ms: 5000 });
    expect(book.resolve('fast').retry_strategy.base_delay_ms).toBe(100);
  });

  it('a type inherits unset fields from the stored default, including its delay when the backoff kind is the same', () => {
    const book = new PolicyBook(
      [row('*', { strategy: 'random', max_retries: 1, base_delay_ms: 200 }), row('finance', { strategy: 'least_loaded' }), row('video', { backoff: 'linear' })],
      'learned',
    );
    expect(book.resolve('finance')).toMatchObject({ strategy: 'least_loaded', retry_strategy: { max_retries: 1, backoff: 'exponential', base_delay_ms: 200 } });
    expect(book.resolve('video').retry_strategy).toMatchObject({ backoff: 'linear', base_delay_ms: 5000, max_retries: 1 });
    expect(book.resolve('other')).toMatchObject({ strategy: 'random', updated_at: null });
    expect(book.defaultPolicy()).toMatchObject({ strategy: 'random', updated_at: '2026-01-01T00:00:00.000Z' });
    expect(book.typePolicies().map((p) => p.task_type)).toEqual(['finance', 'video']);
  });
});

describe('backoff and route bound', () => {
  it('exponential 1 s, 2 s, 4 s; linear 5 s, 10 s, 15 s (seed 002)', () => {
    const exp = { max_retries: 3, backoff: 'exponential' as const, timeout: 30, base_delay_ms: 1000 };
    const lin = { max_retries: 3, backoff: 'linear' as const, timeout: 60, base_delay_ms: 5000 };
    expect([1, 2, 3].map((r) => backoffDelayMs(exp, r))).toEqual([1000, 2000, 4000]);
    expect([1, 2, 3].map((r) => backoffDelayMs(lin, r))).toEqual([5000, 10000, 15000]);
  });

  it('bounds a route by every call, timeout and delay over all its services', () => {
    const s = { max_retries: 2, backoff: 'exponential' as const, timeout: 10, base_delay_ms: 1000 };
    // per service: 3 calls × 10 s + 1 s + 2 s = 33 s; 2 services; no slack
    expect(routeDurationBoundMs(s, 2, 0)).toBe(66_000);
  });
});
