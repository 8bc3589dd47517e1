import { INestMicroservice } from '@nestjs/common';
import { NatsConnection } from 'nats';
import { ROUTER_ROUTE, ROUTER_SERVICE_GET, ROUTER_SERVICE_REGISTER, RouteDecision, ServiceView } from '@apiary/contracts';
import { NatsRpcClient } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { LoopbackService, rejection, rpcClient, startRouter } from '../../test/harness';

// Active health checks against loopback HTTP services (node:http, port 0) by two
// task-router replicas on a private nats-server and database. Nobody calls PUT.
describe('active health checks (HTTP + NATS + PostgreSQL)', () => {
  const INTERVAL_MS = 200;
  let nats: TestNats;
  let db: TestDatabase;
  let routers: INestMicroservice[] = [];
  let rpc: NatsRpcClient;
  let nc: NatsConnection;
  const services: LoopbackService[] = [];

  async function service(name: string, capability: string, path?: string): Promise<LoopbackService> {
    const s = new LoopbackService();
    services.push(s);
    const endpoint = await s.start();
    await rpc.request(ROUTER_SERVICE_REGISTER, {
      service_name: name, endpoint, capabilities: [capability], ...(path ? { health_check: { path } } : {}),
    });
    return s;
  }
  const get = (name: string) => rpc.request<ServiceView>(ROUTER_SERVICE_GET, { service_name: name });
  const statusOf = async (name: string) => (await get(name)).status;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    const env = {
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      APIARY_HEALTH_CHECK_INTERVAL_MS: String(INTERVAL_MS),
      APIARY_HEALTH_CHECK_TIMEOUT_MS: '150',
      APIARY_HEALTH_UNHEALTHY_THRESHOLD: '3',
      APIARY_HEALTH_HEALTHY_THRESHOLD: '2',
    };
    routers = await Promise.all([startRouter(env), startRouter(env)]);
    ({ rpc, nc } = await rpcClient(nats.url));
  });
  afterAll(async () => {
    await nc?.drain();
    await Promise.all(routers.map((r) => r.close()));
    await Promise.all(services.map((s) => s.stop()));
    await db?.drop();
    await nats?.stop();
  });

  it('a failing service goes degraded then unhealthy, leaves routing, and comes back healthy after two good checks', async () => {
    const flaky = await service('flaky-ai', 'summarize');
    await waitFor('a first check', async () => (await get('flaky-ai')).last_checked_at !== null, 5000, 20);
    expect(await get('flaky-ai')).toMatchObject({ status: 'healthy', status_source: 'registration', consecutive_failures: 0 });

    flaky.healthStatus = 503;
    const seen: string[] = [];
    await waitFor('unhealthy', async () => {
      const s = await statusOf('flaky-ai');
      if (seen[seen.length - 1] !== s) seen.push(s);
      return s === 'unhealthy';
    }, 10_000, 20);
    expect(seen).toEqual(['healthy', 'degraded', 'unhealthy']);
    const down = await get('flaky-ai');
    expect(down.status_source).toBe('probe');
    expect(down.consecutive_failures).toBeGreaterThanOrEqual(3);
    // Every replica stops routing to it (the other one through the config version).
    await waitFor('no replica routes to it', async () => {
      const answers = await Promise.all([1, 2, 3, 4].map(() => rejection(() => rpc.request<RouteDecision>(ROUTER_ROUTE, { task_type: 'summarize', track: false }))));
      return answers.every((a) => a.code === 'NO_HEALTHY_SERVICE');
    }, 5000, 50);

    flaky.healthStatus = 200;
    await waitFor('healthy again', async () => (await statusOf('flaky-ai')) === 'healthy', 10_000, 20);
    const up = await get('flaky-ai');
    expect(up).toMatchObject({ status_source: 'probe', consecutive_failures: 0 });
    await waitFor('routed again by every replica', async () => {
      const answers = await Promise.all([1, 2, 3, 4].map(() => rpc.request<RouteDecision>(ROUTER_ROUTE, { task_type: 'summarize', track: false })));
      return answers.every((a) => a.primary_service === 'flaky-ai');
    }, 5000, 50);
  });

  it('a probe that times out or cannot connect is a failure; a custom path is probed', async () => {
    const slow = await service('slow-ai', 'translate', '/custom-health');
    slow.hang = true;
    const gone = await service('gone-ai', 'translate');
    await gone.stop();
    await waitFor('both unhealthy', async () => (await statusOf('slow-ai')) === 'unhealthy' && (await statusOf('gone-ai')) === 'unhealthy', 10_000, 20);
    expect(slow.healthChecks).toBeGreaterThanOrEqual(3);
  });

  it('two replicas share the checks: each service is probed about once per interval, not once per replica', async () => {
    const counted = await service('counted-ai', 'classify');
    await waitFor('first check', async () => counted.healthChecks > 0, 5000, 10);
    const start = counted.healthChecks;
    const windowMs = 3000;
    await new Promise((r) => setTimeout(r, windowMs));
    const checks = counted.healthChecks - start;
    // One replica per round: ≈ windowMs / interval = 15 (both replicas would make ≈ 30).
    expect(checks).toBeGreaterThanOrEqual(8);
    expect(checks).toBeLessThanOrEqual(windowMs / INTERVAL_MS + 3);
  });
});
