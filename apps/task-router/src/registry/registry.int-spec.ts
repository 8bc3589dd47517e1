import { INestMicroservice } from '@nestjs/common';
import { NatsConnection } from 'nats';
import {
  ListServicesReply,
  ModuleHealthSummary,
  ModulesByCategory,
  ModuleView,
  RegisterServiceRequest,
  ROUTER_MODULE_BY_CATEGORY,
  ROUTER_MODULE_DISABLE,
  ROUTER_MODULE_ENABLE,
  ROUTER_MODULE_GET,
  ROUTER_MODULE_HEALTH,
  ROUTER_MODULE_LIST,
  ROUTER_ROUTE,
  ROUTER_ROUTE_TYPES,
  ROUTER_SERVICE_DEREGISTER,
  ROUTER_SERVICE_GET,
  ROUTER_SERVICE_LIST,
  ROUTER_SERVICE_REGISTER,
  ROUTER_SERVICE_SET_HEALTH,
  RouteDecision,
  RouteTypesReply,
  ServiceView,
} from '@apiary/contracts';
import { NatsRpcClient } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { rejection, rpcClient, startRouter } from '../../test/harness';

// Two task-router replicas in-process (the real Nest apps) on a private nats-server
// and a database of their own. Registered endpoints point at a closed port with
// health checks off: this suite is about the registry and the module manager.
describe('service registry and module manager (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let a: INestMicroservice;
  let b: INestMicroservice;
  let rpc: NatsRpcClient;
  let nc: NatsConnection;

  const register = (name: string, fields: Partial<RegisterServiceRequest> = {}) =>
    rpc.request<ServiceView>(ROUTER_SERVICE_REGISTER, {
      service_name: name,
      endpoint: `http://127.0.0.1:9/${name}/`,
      capabilities: ['email_campaign'],
      health_check: { enabled: false },
      ...fields,
    });

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase();
    const env = { NATS_URL: nats.url, DATABASE_URL: db.url };
    [a, b] = await Promise.all([startRouter(env), startRouter(env)]);
    ({ rpc, nc } = await rpcClient(nats.url));
  });
  afterAll(async () => {
    await nc?.drain();
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
    await nats?.stop();
  });

  it('registers (upsert), lists with filters, gets, sets health by hand and deregisters', async () => {
    const view = await register('email-ai', { capabilities: ['email_campaign', 'email_automation'], category: 'business' });
    expect(view).toMatchObject({
      service_name: 'email-ai',
      endpoint: 'http://127.0.0.1:9/email-ai',
      capabilities: ['email_campaign', 'email_automation'],
      category: 'business',
      enabled: true,
      depends_on: [],
      status: 'healthy',
      status_source: 'registration',
      health_check: { enabled: false, path: '/health' },
      consecutive_failures: 0,
      in_flight: 0,
      last_checked_at: null,
    });
    await register('marketing-ai');
    const again = await register('email-ai', { capabilities: ['email_campaign'] });
    expect(again.capabilities).toEqual(['email_campaign']);
    expect(again.category).toBe('ai-service');
    expect(again.registered_at).toBe(view.registered_at);

    const hurt = await rpc.request<ServiceView>(ROUTER_SERVICE_SET_HEALTH, { service_name: 'marketing-ai', status: 'unhealthy' });
    expect(hurt).toMatchObject({ status: 'unhealthy', status_source: 'manual' });
    const unhealthy = await rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, { capability: 'email_campaign', status: 'unhealthy' });
    expect(unhealthy.services.map((s) => s.service_name)).toEqual(['marketing-ai']);
    const all = await rpc.request<ListServicesReply>(ROUTER_SERVICE_LIST, {});
    expect(all.services.map((s) => s.service_name)).toEqual(['email-ai', 'marketing-ai']);

    expect(await rpc.request(ROUTER_SERVICE_DEREGISTER, { service_name: 'marketing-ai' })).toEqual({ service_name: 'marketing-ai', deleted: true });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_GET, { service_name: 'marketing-ai' }))).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_SET_HEALTH, { service_name: 'ghost', status: 'healthy' }))).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_DEREGISTER, { service_name: 'noop' }))).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
  });

  it('validates requests with the RPC pipe and refuses built-in names and dependency cycles', async () => {
    expect(await rejection(() => register('Bad Name'))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await rejection(() => register('x-ai', { endpoint: 'ftp://nope' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_LIST, { status: 'sleepy' }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_GET, { service_name: 'a', extra: 1 }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await rejection(() => register('noop'))).toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('built-in') });
    expect(await rejection(() => register('self-ai', { depends_on: ['self-ai'] }))).toMatchObject({ code: 'VALIDATION_FAILED' });
    await register('cycle-a');
    await register('cycle-b', { depends_on: ['cycle-a'] });
    expect(await rejection(() => register('cycle-a', { depends_on: ['cycle-b'] }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('cycle-a → cycle-b → cycle-a'),
    });
  });

  it('dependencies: disable and deregister refused while enabled modules depend on it, naming every one (seed 002)', async () => {
    await register('database-connector', { category: 'infrastructure' });
    await register('email-ai', { depends_on: ['database-connector'] });
    await register('finance-ai', { capabilities: ['finance'], depends_on: ['database-connector', 'noop'], category: 'finance' });

    const refused = await rejection(() => rpc.request(ROUTER_MODULE_DISABLE, { name: 'database-connector' }));
    expect(refused).toEqual({
      code: 'MODULE_HAS_DEPENDENTS',
      message: 'Required by email-ai, finance-ai',
      details: { module: 'database-connector', dependents: ['email-ai', 'finance-ai'] },
    });
    expect(await rejection(() => rpc.request(ROUTER_SERVICE_DEREGISTER, { service_name: 'database-connector' }))).toMatchObject({
      code: 'MODULE_HAS_DEPENDENTS',
    });
    expect(await rejection(() => rpc.request(ROUTER_MODULE_DISABLE, { name: 'noop' }))).toMatchObject({
      code: 'MODULE_HAS_DEPENDENTS',
      details: { dependents: ['finance-ai'] },
    });

    // Disable dependents first, then the dependency.
    expect((await rpc.request<ModuleView>(ROUTER_MODULE_DISABLE, { name: 'email-ai' })).enabled).toBe(false);
    expect((await rpc.request<ModuleView>(ROUTER_MODULE_DISABLE, { name: 'finance-ai' })).enabled).toBe(false);
    const dc = await rpc.request<ModuleView>(ROUTER_MODULE_DISABLE, { name: 'database-connector' });
    expect(dc).toMatchObject({ name: 'database-connector', kind: 'service', enabled: false, required_by: [] });
    const noop = await rpc.request<ModuleView>(ROUTER_MODULE_DISABLE, { name: 'noop' });
    expect(noop).toMatchObject({ kind: 'builtin', category: 'builtin', enabled: false, endpoint: null, capabilities: ['noop'] });

    // Enabling needs every dependency enabled; all of them are named.
    const blocked = await rejection(() => rpc.request(ROUTER_MODULE_ENABLE, { name: 'finance-ai' }));
    expect(blocked).toMatchObject({
      code: 'MODULE_DEPENDENCY_DISABLED',
      details: { dependencies: ['database-connector', 'noop'], disabled: ['database-connector', 'noop'], missing: [] },
    });
    // Registering a new enabled service on a disabled dependency is refused the same way.
    expect(await rejection(() => register('crm-ai', { depends_on: ['database-connector', 'ghost'] }))).toMatchObject({
      code: 'MODULE_DEPENDENCY_DISABLED',
      details: { disabled: ['database-connector'], missing: ['ghost'] },
    });
    await rpc.request(ROUTER_MODULE_ENABLE, { name: 'database-connector' });
    await rpc.request(ROUTER_MODULE_ENABLE, { name: 'noop' });
    const finance = await rpc.request<ModuleView>(ROUTER_MODULE_ENABLE, { name: 'finance-ai' });
    expect(finance).toMatchObject({ enabled: true, depends_on: ['database-connector', 'noop'] });
    expect((await rpc.request<ModuleView>(ROUTER_MODULE_GET, { name: 'database-connector' })).required_by).toEqual(['finance-ai']);
    expect(await rejection(() => rpc.request(ROUTER_MODULE_GET, { name: 'ghost' }))).toMatchObject({ code: 'MODULE_NOT_FOUND' });
    expect(await rejection(() => rpc.request(ROUTER_MODULE_ENABLE, { name: 'ghost' }))).toMatchObject({ code: 'MODULE_NOT_FOUND' });
  });

  it('lists modules (built-ins seeded at start) by category and enabled flag, with a health summary', async () => {
    await rpc.request(ROUTER_SERVICE_SET_HEALTH, { service_name: 'database-connector', status: 'degraded' });
    const { modules } = await rpc.request<{ modules: ModuleView[] }>(ROUTER_MODULE_LIST, {});
    const names = modules.map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(['http', 'noop', 'sleep', 'text.sentiment', 'database-connector', 'email-ai', 'finance-ai']));
    const builtin = await rpc.request<{ modules: ModuleView[] }>(ROUTER_MODULE_LIST, { category: 'builtin' });
    expect(builtin.modules.map((m) => m.name)).toEqual(['data.process', 'http', 'llm.chat', 'noop', 'sleep', 'text.sentiment']);
    const enabled = await rpc.request<{ modules: ModuleView[] }>(ROUTER_MODULE_LIST, { enabled_only: 'true' });
    expect(enabled.modules.map((m) => m.name)).not.toContain('email-ai');
    expect(await rejection(() => rpc.request(ROUTER_MODULE_LIST, { enabled_only: 'yes' }))).toMatchObject({ code: 'VALIDATION_FAILED' });

    const summary = await rpc.request<ModuleHealthSummary>(ROUTER_MODULE_HEALTH, {});
    const expected = {
      total_modules: modules.length,
      enabled: modules.filter((m) => m.enabled).length,
      healthy: modules.filter((m) => m.enabled && m.health === 'healthy').length,
      degraded: 1,
      unhealthy: 0,
      disabled: modules.filter((m) => !m.enabled).length,
    };
    expect(summary).toEqual(expected);
    expect(summary.healthy + summary.degraded + summary.unhealthy).toBe(summary.enabled);

    const byCategory = await rpc.request<ModulesByCategory>(ROUTER_MODULE_BY_CATEGORY, {});
    expect(byCategory.categories.builtin!.map((m) => m.name)).toEqual(['data.process', 'http', 'llm.chat', 'noop', 'sleep', 'text.sentiment']);
    expect(byCategory.categories.finance!.map((m) => m.name)).toEqual(['finance-ai']);
    expect(byCategory.categories.infrastructure!.map((m) => m.name)).toEqual(['database-connector']);
  });

  it('route-types: built-ins, service capabilities on the service lane, disabled and unknown types; replicas converge', async () => {
    await register('video-ai', { capabilities: ['video_generation', 'noop'] });
    // A request reaches either replica (queue group): wait until several in a row see it.
    await waitFor('both replicas see video-ai', async () => {
      const replies = await Promise.all([1, 2, 3, 4, 5, 6].map(() => rpc.request<RouteTypesReply>(ROUTER_ROUTE_TYPES, { task_types: ['video_generation'] })));
      return replies.every((r) => r.routes.length === 1);
    }, 5000, 50);
    const reply = await rpc.request<RouteTypesReply>(ROUTER_ROUTE_TYPES, {
      task_types: ['noop', 'sleep', 'video_generation', 'email_campaign', 'email_automation', 'mystery'],
    });
    expect(reply.routes).toEqual([
      { task_type: 'noop', lane: 'noop', subject: 'apiary.work.noop', handler: 'noop', kind: 'builtin' },
      { task_type: 'sleep', lane: 'sleep', subject: 'apiary.work.sleep', handler: 'sleep', kind: 'builtin' },
      { task_type: 'video_generation', lane: 'service', subject: 'apiary.work.service', handler: 'http', kind: 'service', routed: true },
      { task_type: 'email_campaign', lane: 'service', subject: 'apiary.work.service', handler: 'http', kind: 'service', routed: true },
    ]);
    // email_automation was dropped from email-ai's capabilities when it re-registered
    expect(reply.disabled).toEqual([]);
    expect(reply.unknown).toEqual(['email_automation', 'mystery']);

    await rpc.request(ROUTER_MODULE_DISABLE, { name: 'video-ai' });
    await rpc.request(ROUTER_MODULE_DISABLE, { name: 'sleep' });
    // Every replica answers the same within about one refresh interval.
    await waitFor('both replicas see the disabled modules', async () => {
      const replies = await Promise.all([1, 2, 3, 4].map(() => rpc.request<RouteTypesReply>(ROUTER_ROUTE_TYPES, { task_types: ['video_generation', 'sleep'] })));
      return replies.every((r) => r.routes.length === 0 && r.disabled?.length === 2);
    }, 5000, 50);
    expect(await rejection(() => rpc.request<RouteDecision>(ROUTER_ROUTE, { task_type: 'video_generation' }))).toMatchObject({
      code: 'NO_CAPABLE_SERVICE',
      details: { disabled: ['video-ai'] },
    });
  });
});
