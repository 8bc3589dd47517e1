import { INestMicroservice } from '@nestjs/common';
import { JSONCodec, NatsConnection } from 'nats';
import {
  CallOutcomesEvent,
  ROUTER_CALL_OUTCOMES,
  ROUTER_MODULE_DISABLE,
  ROUTER_POLICY_LIST,
  ROUTER_POLICY_SET,
  ROUTER_ROUTE,
  ROUTER_SERVICE_REGISTER,
  ROUTER_STATS,
  RouteDecision,
  RoutingPolicyView,
  RoutingStats,
} from '@apiary/contracts';
import { NatsRpcClient } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { decisionOf, FakeBrainDecide, rejection, rpcClient, startRouter } from '../../test/harness';
import { IN_FLIGHT } from '../tokens';
import type { InFlightTracker } from './in-flight';

// Routing over NATS against two task-router replicas in-process (real Nest apps)
// with a private nats-server and database. `FakeBrainDecide` stands in for the
// orchestrator brain's `apiary.brain.decide` (a plain subscriber on the same NATS),
// and outcome reports are published the way bot-runtime publishes them.
describe('routing over NATS (two replicas, PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let routers: INestMicroservice[] = [];
  let rpc: NatsRpcClient;
  let nc: NatsConnection;
  const brain = new FakeBrainDecide();
  const codec = JSONCodec<CallOutcomesEvent>();

  const register = (name: string, capabilities: string[]) =>
    rpc.request(ROUTER_SERVICE_REGISTER, { service_name: name, endpoint: `http://127.0.0.1:9/${name}`, capabilities, health_check: { enabled: false } });
  const route = (body: Record<string, unknown>) => rpc.request<RouteDecision>(ROUTER_ROUTE, body);
  const stats = () => rpc.request<RoutingStats>(ROUTER_STATS, {});
  const inFlight = (service: string) => routers.reduce((n, r) => n + r.get<InFlightTracker>(IN_FLIGHT).count(service), 0);
  /** Waits until both replicas route this type to exactly these services. */
  const converged = (taskType: string, expected: string[]) =>
    waitFor(`both replicas route ${taskType} to ${expected.join(', ')}`, async () => {
      const ds = await Promise.all([1, 2, 3, 4, 5, 6].map(() => route({ task_type: taskType, strategy: 'round_robin', track: false })));
      return ds.every((d) => [d.primary_service, ...d.fallback_services].sort().join() === [...expected].sort().join());
    }, 5000, 50);

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    const env = { NATS_URL: nats.url, DATABASE_URL: db.url, APIARY_LEARNED_TIMEOUT_MS: '300' };
    routers = await Promise.all([startRouter(env), startRouter(env)]);
    ({ rpc, nc } = await rpcClient(nats.url));
    await brain.start(nats.url);
    await register('email-ai', ['email_campaign']);
    await register('marketing-ai', ['email_campaign']);
    await register('content-ai', ['email_campaign', 'blog']);
    await converged('email_campaign', ['content-ai', 'email-ai', 'marketing-ai']);
  });
  afterAll(async () => {
    await brain.stop();
    await nc?.drain();
    await Promise.all(routers.map((r) => r.close()));
    await db?.drop();
    await nats?.stop();
  });

  it('round_robin spreads tracked routes evenly; counts are summed over replicas without double counting', async () => {
    const before = await stats();
    const decisions = await Promise.all(Array.from({ length: 30 }, (_, i) => route({ task_type: 'email_campaign', strategy: 'round_robin', track: true, task_id: `t${i}` })));
    const counts: Record<string, number> = {};
    for (const d of decisions) {
      counts[d.primary_service] = (counts[d.primary_service] ?? 0) + 1;
      expect(d.fallback_services).toHaveLength(2);
      expect(d.fallback_services).not.toContain(d.primary_service);
      expect(d.retry_strategy).toEqual({ max_retries: 3, backoff: 'exponential', timeout: 30, base_delay_ms: 1000 });
    }
    // Each replica rotates on its own: per service at most one apart per replica.
    expect(Math.max(...Object.values(counts)) - Math.min(...Object.values(counts))).toBeLessThanOrEqual(2);
    expect(new Set(decisions.map((d) => d.route_id)).size).toBe(30);
    // Inspection is not counted.
    await route({ task_type: 'email_campaign', strategy: 'round_robin', track: false });
    await waitFor('stats flushed and summed', async () => (await stats()).total_routes - before.total_routes === 30, 5000, 50);
    const after = await stats();
    for (const [service, n] of Object.entries(counts)) {
      expect((after.service_distribution[service] ?? 0) - (before.service_distribution[service] ?? 0)).toBe(n);
    }
    expect((after.by_strategy.round_robin ?? 0) - (before.by_strategy.round_robin ?? 0)).toBe(30);
    expect(Number.isNaN(Date.parse(after.since))).toBe(false);

    // Outcomes: every replica releases its in-flight slots; failures and fallbacks are counted once.
    expect(inFlight('email-ai') + inFlight('marketing-ai') + inFlight('content-ai')).toBe(30);
    const outcomes: CallOutcomesEvent['outcomes'] = [];
    for (const [i, d] of decisions.entries()) {
      if (i < 10) {
        outcomes.push({ route_id: d.route_id, task_id: `t${i}`, task_type: 'email_campaign', service_name: d.primary_service, success: false, latency_ms: 30, error_code: 'HTTP_503', fallback: false, final: false });
        outcomes.push({ route_id: d.route_id, task_id: `t${i}`, task_type: 'email_campaign', service_name: d.fallback_services[0]!, success: true, latency_ms: 20, fallback: true, final: true });
      } else {
        outcomes.push({ route_id: d.route_id, task_id: `t${i}`, task_type: 'email_campaign', service_name: d.primary_service, success: true, latency_ms: 10, fallback: false, final: true });
      }
    }
    const at = new Date().toISOString();
    nc.publish(ROUTER_CALL_OUTCOMES, codec.encode({ runner: 'bot-runtime-0', outcomes: outcomes.slice(0, 25), breakers: [{ service_name: 'email-ai', state: 'open', at }] }));
    nc.publish(ROUTER_CALL_OUTCOMES, codec.encode({ runner: 'bot-runtime-1', outcomes: outcomes.slice(25), breakers: [{ service_name: 'email-ai', state: 'closed', at }, { service_name: 'content-ai', state: 'half_open', at }] }));
    await nc.flush();
    await waitFor('in-flight released on every replica', () => inFlight('email-ai') + inFlight('marketing-ai') + inFlight('content-ai') === 0, 5000, 20);
    await waitFor('failures counted', async () => Object.values((await stats()).failures).reduce((a, b) => a + b, 0) === 10, 5000, 50);
    await new Promise((r) => setTimeout(r, 300)); // a few more flushes: nothing more may arrive
    const final = await stats();
    expect(final.fallbacks_used).toBe(10);
    expect(Object.values(final.failures).reduce((a, b) => a + b, 0)).toBe(10);
    expect(final.total_routes - before.total_routes).toBe(30);
    expect(final.breaker_states).toEqual({ 'email-ai': 'open', 'content-ai': 'half_open' });
  });

  it('least_loaded sends a new route to the service with the fewest in-flight calls', async () => {
    const first = await Promise.all([1, 2, 3].map(() => route({ task_type: 'email_campaign', strategy: 'least_loaded' })));
    // Each replica spreads its own routes; together both replicas hold 3 slots.
    expect(inFlight('email-ai') + inFlight('marketing-ai') + inFlight('content-ai')).toBe(3);
    nc.publish(ROUTER_CALL_OUTCOMES, codec.encode({
      runner: 'bot-runtime-0',
      outcomes: first.map((d) => ({ route_id: d.route_id, task_id: 'x', task_type: 'email_campaign', service_name: d.primary_service, success: true, latency_ms: 1, fallback: false, final: true })),
      breakers: [],
    }));
    await waitFor('released', () => inFlight('email-ai') + inFlight('marketing-ai') + inFlight('content-ai') === 0, 5000, 20);
    const d = await route({ task_type: 'email_campaign', strategy: 'least_loaded', track: false });
    expect(d.reasoning).toMatch(/least_loaded: .* has the fewest in-flight calls \(0\)/);
  });

  it('learned: primary is the brain\'s choice, fallbacks follow its alternatives; timeouts and absence fall back to least_loaded', async () => {
    brain.answer = (req) => ({ response: decisionOf(req, 'marketing-ai', ['content-ai', 'email-ai'], 0.92) });
    const d = await route({ task_type: 'email_campaign', strategy: 'learned', priority: 'high', exclude: ['ghost-ai'] });
    expect(d).toMatchObject({
      primary_service: 'marketing-ai',
      fallback_services: ['content-ai', 'email-ai'],
      strategy: 'learned',
      confidence: 0.92,
    });
    expect(d.reasoning).toContain('marketing-ai had the highest Thompson draw');
    expect(brain.requests.at(-1)).toEqual({ task_type: 'email_campaign', priority: 'high', candidates: ['content-ai', 'email-ai', 'marketing-ai'], record: true, cost_weight: 1 });

    await route({ task_type: 'email_campaign', strategy: 'learned', exclude: ['email-ai'], track: false });
    expect(brain.requests.at(-1)).toMatchObject({ candidates: ['content-ai', 'marketing-ai'], record: false });

    brain.answer = () => 'silent';
    const t0 = Date.now();
    const slow = await route({ task_type: 'email_campaign', strategy: 'learned', track: false });
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(slow).toMatchObject({ strategy: 'least_loaded', confidence: null });
    expect(slow.reasoning).toMatch(/learned routing unavailable \(UPSTREAM_TIMEOUT/);

    brain.answer = (req) => ({ err: { code: 'NO_CAPABLE_SERVICE', message: `nothing learned for ${req.task_type}` } });
    expect((await route({ task_type: 'email_campaign', strategy: 'learned', track: false })).reasoning).toContain('NO_CAPABLE_SERVICE');

    await brain.stop();
    const none = await route({ task_type: 'email_campaign', strategy: 'learned', track: false });
    expect(none.reasoning).toMatch(/learned routing unavailable \(SERVICE_UNAVAILABLE/);
    await brain.start(nats.url);
  });

  it('policies are persisted and shared: the type\'s strategy and retry strategy are used by every replica', async () => {
    const set = await rpc.request<RoutingPolicyView>(ROUTER_POLICY_SET, { task_type: 'blog', strategy: 'least_loaded', backoff: 'linear', max_retries: 2, timeout: 60 });
    expect(set).toMatchObject({ task_type: 'blog', strategy: 'least_loaded', retry_strategy: { max_retries: 2, backoff: 'linear', timeout: 60, base_delay_ms: 5000 } });
    expect(set.updated_at).not.toBeNull();
    const def = await rpc.request<RoutingPolicyView>(ROUTER_POLICY_SET, { task_type: '*', strategy: 'random' });
    expect(def).toMatchObject({ task_type: '*', strategy: 'random', retry_strategy: { max_retries: 3, backoff: 'exponential' } });
    await waitFor('both replicas list both policies', async () => {
      const lists = await Promise.all([1, 2, 3, 4].map(() => rpc.request<{ default: RoutingPolicyView; policies: RoutingPolicyView[] }>(ROUTER_POLICY_LIST, {})));
      return lists.every((l) => l.default.strategy === 'random' && l.policies.map((p) => p.task_type).join() === 'blog');
    }, 5000, 50);
    const d = await route({ task_type: 'blog', track: false });
    expect(d).toMatchObject({ primary_service: 'content-ai', strategy: 'least_loaded', retry_strategy: { backoff: 'linear', max_retries: 2, timeout: 60 } });
    expect((await route({ task_type: 'email_campaign', track: false })).strategy).toBe('random');
    expect(await rejection(() => rpc.request(ROUTER_POLICY_SET, { task_type: 'blog', max_retries: 11 }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('never routes to a disabled module; errors name the reason', async () => {
    await rpc.request(ROUTER_MODULE_DISABLE, { name: 'marketing-ai' });
    await converged('email_campaign', ['content-ai', 'email-ai']);
    const ds = await Promise.all(Array.from({ length: 20 }, () => route({ task_type: 'email_campaign', strategy: 'random' })));
    for (const d of ds) expect([d.primary_service, ...d.fallback_services]).not.toContain('marketing-ai');
    expect(await rejection(() => route({ task_type: 'email_campaign', exclude: ['content-ai', 'email-ai'] }))).toMatchObject({
      code: 'NO_HEALTHY_SERVICE',
      details: { excluded: ['content-ai', 'email-ai'] },
    });
    expect(await rejection(() => route({ task_type: 'fraud_detection' }))).toMatchObject({ code: 'NO_CAPABLE_SERVICE' });
    expect(await rejection(() => route({ task_type: 'email_campaign', strategy: 'fastest' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
