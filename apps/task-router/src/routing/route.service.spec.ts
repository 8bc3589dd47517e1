import { ApiaryError, Decision, DecisionRequest } from '@apiary/contracts';
import type { ModuleRow, PolicyRow } from '@apiary/persistence';
import { RouterSnapshot } from '../registry/router-snapshot';
import { CounterBuffer } from '../stats/counter-buffer';
import { InFlightTracker } from './in-flight';
import { BrainAdvisor, RouteService } from './route.service';

function service(name: string, fields: Partial<ModuleRow> = {}): ModuleRow {
  const t = new Date(0);
  return {
    name, kind: 'service', category: 'ai-service', enabled: true, depends_on: [], capabilities: ['email'], endpoint: `http://${name}:5100`,
    status: 'healthy', status_source: 'registration', health_check_enabled: true, health_check_path: '/health',
    consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
    protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, ...fields,
  };
}

function policy(task_type: string, fields: Partial<PolicyRow>): PolicyRow {
  return { task_type, strategy: null, max_retries: null, backoff: null, timeout_s: null, base_delay_ms: null, cost_weight: null, cache_ttl_s: null, updated_at: new Date(0), ...fields };
}

/** A strict fake of the brain port: answers what the test sets, records requests. */
class FakeBrain implements BrainAdvisor {
  readonly requests: DecisionRequest[] = [];
  answer: (req: DecisionRequest) => Decision | Error = () => new ApiaryError('SERVICE_UNAVAILABLE', 'No service answers apiary.brain.decide');
  async decide(req: DecisionRequest): Promise<Decision> {
    this.requests.push(req);
    const a = this.answer(req);
    if (a instanceof Error) throw a;
    return a;
  }
}

function decision(selected: string, alternatives: string[], confidence = 0.85): Decision {
  const alt = (service: string) => ({ service, expected_success: 0.5, mean_latency_ms: null, samples: 0, sampled_score: 0.5 });
  return {
    decision_id: 'd1', task_type: 'email', selected_service: selected, priority_level: 3, confidence,
    reasoning: `${selected} has the best sampled success rate`, alternatives: alternatives.map(alt), selected: alt(selected),
    resources: { cpu: 1, memory: 512 }, rule: 'thompson_sampling', decided_at: new Date(0).toISOString(),
  };
}

function setup(rows: ModuleRow[], policies: PolicyRow[] = [], strategy: 'learned' | 'round_robin' = 'round_robin') {
  let now = 1_000_000;
  const snapshot = new RouterSnapshot('1', rows, policies, [], strategy);
  const inFlight = new InFlightTracker(() => now);
  const counters = new CounterBuffer();
  const brain = new FakeBrain();
  let id = 0;
  const router = new RouteService({ snapshot: () => snapshot, inFlight, counters, brain, random: () => 0.999, now: () => now, newId: () => `r${++id}` });
  return { router, inFlight, counters, brain, advance: (ms: number) => (now += ms) };
}

const counterMap = (c: CounterBuffer) => Object.fromEntries(c.unflushed().map((d) => [`${d.metric}:${d.label}`, d.delta]));

describe('RouteService', () => {
  const three = [service('a'), service('b'), service('c')];

  it('answers the seed 002 decision shape with the type\'s retry strategy', async () => {
    const { router } = setup(three, [policy('email', { backoff: 'linear', timeout_s: 60 })]);
    const d = await router.route({ task_type: 'email' });
    expect(d).toMatchObject({
      route_id: 'r1',
      task_type: 'email',
      primary_service: 'a',
      endpoint: 'http://a:5100',
      fallback_services: ['b', 'c'],
      fallbacks: [{ service_name: 'b', endpoint: 'http://b:5100' }, { service_name: 'c', endpoint: 'http://c:5100' }],
      strategy: 'round_robin',
      retry_strategy: { max_retries: 3, backoff: 'linear', timeout: 60, base_delay_ms: 5000 },
      confidence: null,
    });
    expect(d.reasoning).toContain('round_robin');
  });

  it('tracked routes rotate, take in-flight slots and count; inspection changes nothing', async () => {
    const { router, inFlight, counters } = setup(three);
    const primaries = [];
    for (let i = 0; i < 4; i++) primaries.push((await router.route({ task_type: 'email', track: true })).primary_service);
    expect(primaries).toEqual(['a', 'b', 'c', 'a']);
    expect([inFlight.count('a'), inFlight.count('b'), inFlight.count('c')]).toEqual([2, 1, 1]);
    const before = counterMap(counters);
    expect(before).toEqual({
      'total_routes:': 4, 'service_distribution:a': 2, 'service_distribution:b': 1, 'service_distribution:c': 1, 'by_strategy:round_robin': 4,
    });
    const inspected = await router.route({ task_type: 'email', track: false });
    expect(inspected.primary_service).toBe('b');
    expect((await router.route({ task_type: 'email', track: false })).primary_service).toBe('b');
    expect(counterMap(counters)).toEqual(before);
    expect(inFlight.size).toBe(4);
  });

  it('least_loaded picks the service with the fewest in-flight routes and frees a slot on release', async () => {
    const { router, inFlight } = setup(three);
    const first = await router.route({ task_type: 'email', strategy: 'least_loaded' });
    const second = await router.route({ task_type: 'email', strategy: 'least_loaded' });
    const third = await router.route({ task_type: 'email', strategy: 'least_loaded' });
    expect(new Set([first, second, third].map((d) => d.primary_service)).size).toBe(3);
    inFlight.release(second.route_id);
    const fourth = await router.route({ task_type: 'email', strategy: 'least_loaded' });
    expect(fourth.primary_service).toBe(second.primary_service);
    expect(fourth.reasoning).toContain('fewest in-flight calls (0)');
  });

  it('expires a tracked route after the bound of its retry strategy', async () => {
    const { router, inFlight, advance } = setup([service('a')], [policy('*', { max_retries: 0, timeout_s: 1 })]);
    await router.route({ task_type: 'email' });
    advance(1000 + 60_000 - 1);
    expect(inFlight.count('a')).toBe(1);
    advance(1001); // expired routes are swept at most once a second
    expect(inFlight.count('a')).toBe(0);
  });

  it('routes to healthy services first and keeps degraded ones as last fallbacks; never unhealthy or excluded ones', async () => {
    const { router } = setup([service('a', { status: 'degraded' }), service('b'), service('c', { status: 'unhealthy' }), service('d'), service('e', { enabled: false })]);
    const d = await router.route({ task_type: 'email', exclude: ['d'] });
    expect([d.primary_service, ...d.fallback_services]).toEqual(['b', 'a']);
  });

  it('learned: the brain\'s choice first, its alternatives next, its confidence and reasoning', async () => {
    const { router, brain, counters } = setup(three, [], 'learned');
    brain.answer = () => decision('c', ['a', 'b'], 0.92);
    const d = await router.route({ task_type: 'email', priority: 'high' });
    expect(brain.requests).toEqual([{ task_type: 'email', priority: 'high', candidates: ['a', 'b', 'c'], record: true, cost_weight: 1 }]);
    expect([d.primary_service, ...d.fallback_services]).toEqual(['c', 'a', 'b']);
    expect(d).toMatchObject({ strategy: 'learned', confidence: 0.92 });
    expect(d.reasoning).toContain('c has the best sampled success rate');
    expect(counterMap(counters)['by_strategy:learned']).toBe(1);
  });

  it('learned: inspection asks the brain not to record the decision', async () => {
    const { router, brain } = setup(three, [], 'learned');
    brain.answer = () => decision('a', []);
    await router.route({ task_type: 'email', track: false });
    expect(brain.requests[0]!.record).toBe(false);
  });

  it('learned: falls back to least_loaded when the brain fails or chooses outside the pool, and says so', async () => {
    const { router, brain, counters } = setup(three, [], 'learned');
    brain.answer = () => new ApiaryError('UPSTREAM_TIMEOUT', 'No reply on apiary.brain.decide in time');
    const d = await router.route({ task_type: 'email' });
    expect(d.strategy).toBe('least_loaded');
    expect(d.confidence).toBeNull();
    expect(d.reasoning).toMatch(/learned routing unavailable \(UPSTREAM_TIMEOUT.*fell back to least_loaded/);
    brain.answer = () => decision('ghost', []);
    const e = await router.route({ task_type: 'email' });
    expect(e.reasoning).toContain('ghost, which is not among the eligible services');
    expect(e.primary_service).not.toBe(d.primary_service);
    expect(counterMap(counters)['by_strategy:least_loaded']).toBe(2);
  });

  it('throws NO_CAPABLE_SERVICE and NO_HEALTHY_SERVICE', async () => {
    const { router } = setup([service('a', { status: 'unhealthy' })]);
    await expect(router.route({ task_type: 'video' })).rejects.toMatchObject({ code: 'NO_CAPABLE_SERVICE' });
    await expect(router.route({ task_type: 'email' })).rejects.toMatchObject({ code: 'NO_HEALTHY_SERVICE' });
  });
});
