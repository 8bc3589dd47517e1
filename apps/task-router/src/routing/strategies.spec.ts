import { ApiaryError } from '@apiary/contracts';
import { InFlightTracker } from './in-flight';
import { Candidate, candidatePool } from './route-planner';
import { LeastLoadedStrategy, orderByDecision, RandomStrategy, RoundRobinStrategy, shuffle } from './strategies';

const names = (xs: { service_name: string }[]) => xs.map((x) => x.service_name);
const svc = (service_name: string, fields: Partial<Candidate> = {}): Candidate => ({
  service_name, endpoint: `http://${service_name}`, status: 'healthy', enabled: true, ...fields,
});

/** Deterministic uniform source (mulberry32). */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RoundRobinStrategy', () => {
  const pool = [svc('a'), svc('b'), svc('c')];

  it('cycles through the pool per capability (seed: Task 4 → Service A)', () => {
    const rr = new RoundRobinStrategy();
    const primaries = [1, 2, 3, 4].map(() => rr.order('email', pool, true)[0]!.service_name);
    expect(primaries).toEqual(['a', 'b', 'c', 'a']);
    expect(names(rr.order('email', pool, true))).toEqual(['b', 'c', 'a']);
    expect(rr.order('other', pool, true)[0]!.service_name).toBe('a');
  });

  it('inspection does not advance the rotation', () => {
    const rr = new RoundRobinStrategy();
    rr.order('email', pool, true);
    expect(rr.order('email', pool, false)[0]!.service_name).toBe('b');
    expect(rr.order('email', pool, false)[0]!.service_name).toBe('b');
    expect(rr.order('email', pool, true)[0]!.service_name).toBe('b');
  });

  it('returns an empty order for an empty pool', () => {
    expect(new RoundRobinStrategy().order('x', [], true)).toEqual([]);
  });
});

describe('RandomStrategy', () => {
  it('uses the injected source and keeps every service once', () => {
    const pool = [svc('a'), svc('b'), svc('c'), svc('d')];
    const order = names(new RandomStrategy(() => 0).order('x', pool));
    // Fisher–Yates with j = 0 every time: the last element swaps to the front first.
    expect(order).toEqual(['b', 'c', 'd', 'a']);
    expect([...order].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('spreads primaries about evenly over many decisions', () => {
    const pool = [svc('a'), svc('b'), svc('c')];
    const s = new RandomStrategy(seeded(42));
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 3000; i++) counts[s.order('x', pool)[0]!.service_name]!++;
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(850);
  });

  it('shuffle does not modify its input', () => {
    const input = [1, 2, 3];
    shuffle(input, seeded(1));
    expect(input).toEqual([1, 2, 3]);
  });
});

describe('LeastLoadedStrategy', () => {
  it('orders by in-flight calls, fewest first', () => {
    const load: Record<string, number> = { a: 5, b: 0, c: 2 };
    const s = new LeastLoadedStrategy((n) => load[n] ?? 0, seeded(7));
    expect(names(s.order('x', [svc('a'), svc('b'), svc('c')]))).toEqual(['b', 'c', 'a']);
  });

  it('with a tracker, consecutive routes spread over idle services and come back when released', () => {
    let now = 0;
    const inflight = new InFlightTracker(() => now);
    const s = new LeastLoadedStrategy((n) => inflight.count(n), seeded(3));
    const pool = [svc('a'), svc('b'), svc('c')];
    const picked = [1, 2, 3].map((i) => {
      const p = s.order('x', pool)[0]!.service_name;
      inflight.track(`r${i}`, p, 10_000);
      return p;
    });
    expect([...picked].sort()).toEqual(['a', 'b', 'c']);
    inflight.release('r2');
    expect(s.order('x', pool)[0]!.service_name).toBe(picked[1]);
    now = 20_000; // the others expire
    expect(inflight.count(picked[0]!)).toBe(0);
  });
});

describe('orderByDecision', () => {
  const pool = [svc('a'), svc('b'), svc('c'), svc('d')];

  it('puts the brain\'s choice first, then its alternatives, then the rest', () => {
    expect(names(orderByDecision(pool, 'c', ['a', 'ghost'], [svc('d'), svc('b'), svc('a')])!)).toEqual(['c', 'a', 'd', 'b']);
  });

  it('refuses a choice outside the pool', () => {
    expect(orderByDecision(pool, 'ghost', [], pool)).toBeUndefined();
  });
});

describe('InFlightTracker', () => {
  it('moves a route to the service of its latest call and releases it once', () => {
    const t = new InFlightTracker(() => 0);
    t.track('r', 'a', 1000);
    t.track('r', 'a', 1000);
    expect(t.count('a')).toBe(1);
    t.moved('r', 'b');
    expect([t.count('a'), t.count('b')]).toEqual([0, 1]);
    expect(t.release('r')).toBe(true);
    expect(t.release('r')).toBe(false);
    expect(t.count('b')).toBe(0);
    t.moved('unknown', 'a');
    expect(t.count('a')).toBe(0);
  });

  it('expires routes after their bound', () => {
    let now = 0;
    const t = new InFlightTracker(() => now, 100);
    t.track('short', 'a', 500);
    t.track('long', 'a', 5000);
    now = 600;
    expect(t.count('a')).toBe(1);
    expect(t.size).toBe(1);
  });
});

describe('candidatePool', () => {
  it('keeps healthy services, with degraded ones as reserve', () => {
    const p = candidatePool('email', [svc('a'), svc('b', { status: 'degraded' }), svc('c', { status: 'unhealthy' }), svc('d', { enabled: false })]);
    expect(names(p.pool)).toEqual(['a']);
    expect(names(p.reserve)).toEqual(['b']);
    expect(p.summary).toContain('3 of 4 capable services enabled');
  });

  it('falls back to degraded services when none is healthy', () => {
    const p = candidatePool('email', [svc('a', { status: 'degraded' }), svc('b', { status: 'unhealthy' })]);
    expect(names(p.pool)).toEqual(['a']);
    expect(p.reserve).toEqual([]);
    expect(p.summary).toContain('none healthy');
  });

  it('leaves out excluded services', () => {
    const p = candidatePool('email', [svc('a'), svc('b')], ['a']);
    expect(names(p.pool)).toEqual(['b']);
  });

  it('NO_CAPABLE_SERVICE without capable services or when all are disabled', () => {
    expect(() => candidatePool('email', [])).toThrow(expect.objectContaining({ code: 'NO_CAPABLE_SERVICE' }));
    try {
      candidatePool('email', [svc('a', { enabled: false }), svc('b', { enabled: false })]);
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(ApiaryError);
      expect((e as ApiaryError).code).toBe('NO_CAPABLE_SERVICE');
      expect((e as ApiaryError).details).toEqual({ task_type: 'email', disabled: ['a', 'b'] });
    }
  });

  it('NO_HEALTHY_SERVICE when every enabled one is unhealthy or excluded, naming them', () => {
    try {
      candidatePool('email', [svc('a', { status: 'unhealthy' }), svc('b')], ['b']);
      throw new Error('expected a throw');
    } catch (e) {
      expect((e as ApiaryError).code).toBe('NO_HEALTHY_SERVICE');
      expect((e as ApiaryError).details).toEqual({ task_type: 'email', unhealthy: ['a'], excluded: ['b'] });
    }
  });
});
