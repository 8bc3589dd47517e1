// Proves the dispatcher's admission gate: one token bucket per quota group (full burst at first, refill at the
// group's rate, pauses, groups no longer listed dropped) and RouterAdmissionSource's caching and last-answer fallback.
import { ApiaryError, QuotaAdmissionReply, QuotaGroupAdmission, ROUTER_QUOTA_ADMISSION } from '@apiary/contracts';
import { AdmissionGate, RouterAdmissionSource } from './admission-gate';

const T0 = 1_700_000_000_000;

const group = (quota_group: string, rate_per_s: number, burst: number, throttled_until: string | null = null): QuotaGroupAdmission => ({
  quota_group, rate_per_s, burst, throttled_until,
});

function gate() {
  let now = T0;
  const g = new AdmissionGate(() => now);
  const limit = (name: string) => g.allowances().find((a) => a.group === name)?.limit;
  return { g, limit, advance: (ms: number) => (now += ms) };
}

describe('AdmissionGate', () => {
  it('starts a new group with a full burst and refills it at its rate, never past the burst', () => {
    const { g, limit, advance } = gate();
    g.update([group('llm.chat|*', 2, 4)]);
    expect(g.allowances()).toEqual([{ group: 'llm.chat|*', limit: 4 }]);
    g.take('llm.chat|*', 4);
    expect(limit('llm.chat|*')).toBe(0);
    advance(499);
    expect(limit('llm.chat|*')).toBe(0);
    advance(1);
    expect(limit('llm.chat|*')).toBe(1);
    advance(1000);
    expect(limit('llm.chat|*')).toBe(3);
    advance(60_000);
    expect(limit('llm.chat|*')).toBe(4);
  });

  it('allows at least one task for a group with a burst below 1, then the rate', () => {
    const { g, limit, advance } = gate();
    g.update([group('slow|*', 0.5, 0)]);
    expect(limit('slow|*')).toBe(1);
    g.take('slow|*', 1);
    advance(1999);
    expect(limit('slow|*')).toBe(0);
    advance(1);
    expect(limit('slow|*')).toBe(1);
  });

  it('takes no more than it has: an over-take leaves 0, not a debt', () => {
    const { g, limit, advance } = gate();
    g.update([group('a|*', 2, 2)]);
    g.take('a|*', 10);
    advance(500);
    expect(limit('a|*')).toBe(1);
    g.take('unknown|*', 3); // ignored
    expect(g.gated()).toEqual(['a|*']);
  });

  it('admits nothing while the group is paused, and its bucket is full again when the pause ends', () => {
    const { g, limit, advance } = gate();
    g.update([group('p|*', 1, 3, new Date(T0 + 5000).toISOString())]);
    expect(limit('p|*')).toBe(0);
    advance(4999);
    expect(limit('p|*')).toBe(0);
    advance(1);
    expect(limit('p|*')).toBe(3);
    // an update without the pause lifts it at once
    g.update([group('p|*', 1, 3, new Date(T0 + 60_000).toISOString())]);
    expect(limit('p|*')).toBe(0);
    g.update([group('p|*', 1, 3)]);
    expect(limit('p|*')).toBe(3);
  });

  it('an update keeps a known group\'s tokens (no free refill), applies the new rate from then on and clamps to a smaller burst', () => {
    const { g, limit, advance } = gate();
    g.update([group('a|*', 1, 5)]);
    g.take('a|*', 5);
    advance(1000); // 1 token at the old rate
    g.update([group('a|*', 10, 5)]);
    expect(limit('a|*')).toBe(1);
    advance(200); // + 2 at the new rate
    expect(limit('a|*')).toBe(3);
    advance(1000);
    expect(limit('a|*')).toBe(5);
    g.update([group('a|*', 10, 2)]);
    expect(limit('a|*')).toBe(2);
  });

  it('stops gating groups the router no longer lists', () => {
    const { g } = gate();
    g.update([group('a|*', 1, 1), group('b|model=m', 2, 2)]);
    expect(g.gated()).toEqual(['a|*', 'b|model=m']);
    g.update([group('b|model=m', 2, 2)]);
    expect(g.gated()).toEqual(['b|model=m']);
    expect(g.allowances()).toEqual([{ group: 'b|model=m', limit: 2 }]);
    g.update([]);
    expect(g.gated()).toEqual([]);
    expect(g.allowances()).toEqual([]);
  });
});

describe('RouterAdmissionSource', () => {
  function source(ttlMs = 500) {
    let now = T0;
    const requests: { subject: string; data: unknown; options: unknown }[] = [];
    let answer: () => QuotaAdmissionReply | Error = () => ({ groups: [group('a|*', 1, 1)], at: '' });
    const rpc = {
      request: async <T>(subject: string, data: unknown, options?: unknown): Promise<T> => {
        requests.push({ subject, data, options });
        const a = answer();
        if (a instanceof Error) throw a;
        return a as T;
      },
    };
    const s = new RouterAdmissionSource(rpc, ttlMs, 750, () => now);
    return { s, requests, advance: (ms: number) => (now += ms), answer: (f: () => QuotaAdmissionReply | Error) => (answer = f) };
  }

  it('asks task-router with its timeout and reuses the answer for ttlMs', async () => {
    const { s, requests, advance, answer } = source();
    expect(await s.groups()).toEqual([group('a|*', 1, 1)]);
    expect(requests).toEqual([{ subject: ROUTER_QUOTA_ADMISSION, data: {}, options: { timeoutMs: 750 } }]);
    answer(() => ({ groups: [group('b|*', 2, 2)], at: '' }));
    advance(499);
    expect(await s.groups()).toEqual([group('a|*', 1, 1)]);
    expect(requests).toHaveLength(1);
    advance(1);
    expect(await s.groups()).toEqual([group('b|*', 2, 2)]);
    expect(requests).toHaveLength(2);
  });

  it('keeps the last answer when task-router fails, and does not ask again before ttlMs', async () => {
    const { s, requests, advance, answer } = source();
    await s.groups();
    answer(() => new ApiaryError('UPSTREAM_TIMEOUT', 'no reply'));
    advance(500);
    expect(await s.groups()).toEqual([group('a|*', 1, 1)]);
    expect(requests).toHaveLength(2);
    advance(100);
    expect(await s.groups()).toEqual([group('a|*', 1, 1)]);
    expect(requests).toHaveLength(2);
    answer(() => ({ groups: [], at: '' }));
    advance(400);
    expect(await s.groups()).toEqual([]);
  });

  it('gates nothing when task-router never answered, or answered without groups', async () => {
    const { s, advance, answer } = source();
    answer(() => new ApiaryError('SERVICE_UNAVAILABLE', 'no responders'));
    expect(await s.groups()).toEqual([]);
    answer(() => ({ at: '' }) as unknown as QuotaAdmissionReply);
    advance(500);
    expect(await s.groups()).toEqual([]);
  });
});
