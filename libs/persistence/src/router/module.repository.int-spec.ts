import { DataSource } from 'typeorm';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { RouterModuleRepository, ServiceRegistration } from './module.repository';
import { RoutingCounterRepository } from './routing-counter.repository';
import { RoutingPolicyRepository } from './routing-policy.repository';

// Real PostgreSQL: a database of its own, migrated, dropped afterwards.
describe('router repositories (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let other: DataSource;
  let repo: RouterModuleRepository;

  const reg = (name: string, fields: Partial<ServiceRegistration> = {}): ServiceRegistration => ({
    name, endpoint: `http://127.0.0.1:9/${name}`, capabilities: ['email'], category: 'ai-service', depends_on: [],
    health_check_enabled: true, health_check_path: '/health', protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, ...fields,
  });

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 6);
    other = createDataSource(db.url, 6);
    await Promise.all([ds.initialize(), other.initialize()]);
    repo = new RouterModuleRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await other?.destroy();
    await db?.drop();
  });
  beforeEach(async () => {
    await ds.query(`DELETE FROM router_modules`);
  });

  it('upserts a service, keeps its enabled flag, resets health only when the endpoint changes, and refuses built-in names', async () => {
    await repo.seedBuiltins(['noop'], 'builtin');
    const created = await repo.changeTopology((g) => g.upsertService(reg('email-ai')));
    expect(created).toMatchObject({ created: true, row: { kind: 'service', enabled: true, status: 'healthy', status_source: 'registration' } });
    await repo.changeTopology((g) => g.setEnabled('email-ai', false));
    await repo.setHealthManually('email-ai', 'degraded');
    const same = await repo.changeTopology((g) => g.upsertService(reg('email-ai', { capabilities: ['email', 'newsletter'] })));
    expect(same).toMatchObject({ created: false, row: { enabled: false, status: 'degraded', status_source: 'manual', capabilities: ['email', 'newsletter'] } });
    const moved = await repo.changeTopology((g) => g.upsertService(reg('email-ai', { endpoint: 'http://127.0.0.1:10' })));
    expect(moved!.row).toMatchObject({ status: 'healthy', status_source: 'registration', endpoint: 'http://127.0.0.1:10' });
    expect(await repo.changeTopology((g) => g.upsertService(reg('noop')))).toBeUndefined();
    expect((await repo.get('noop'))!.kind).toBe('builtin');
  });

  it('bumps the config version with every change and not with a failed one', async () => {
    const v0 = Number(await repo.version());
    await repo.changeTopology((g) => g.upsertService(reg('a')));
    await repo.setHealthManually('a', 'unhealthy');
    await repo.setHealthManually('missing', 'unhealthy');
    await new RoutingPolicyRepository(ds).upsert({ task_type: 'email', strategy: 'random' });
    await expect(repo.changeTopology(async (g) => {
      await g.setEnabled('a', false);
      throw new Error('refused');
    })).rejects.toThrow('refused');
    expect(Number(await repo.version())).toBe(v0 + 3);
    expect((await repo.get('a'))!.enabled).toBe(true);
  });

  it('two replicas claiming due checks at once never get the same service', async () => {
    for (let i = 0; i < 40; i++) await repo.changeTopology((g) => g.upsertService(reg(`svc-${String(i).padStart(2, '0')}`)));
    const a = new RouterModuleRepository(ds);
    const b = new RouterModuleRepository(other);
    const [x, y] = await Promise.all([a.claimDueProbes(30, 60_000), b.claimDueProbes(30, 60_000)]);
    const names = [...x, ...y].map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(40);
    expect(await a.claimDueProbes(30, 60_000)).toEqual([]); // pushed one interval ahead
  });

  it('stores probe results unless a manual change came in between, and reports status changes', async () => {
    await repo.changeTopology((g) => g.upsertService(reg('a')));
    await repo.changeTopology((g) => g.upsertService(reg('b')));
    const claims = await repo.claimDueProbes(10, 60_000);
    await repo.setHealthManually('b', 'healthy'); // manual set after the claim
    const v = Number(await repo.version());
    const changed = await repo.recordProbes(claims.map((claim) => ({ claim, status: 'degraded', consecutive_failures: 1, consecutive_successes: 0 })));
    expect(changed).toEqual(['a']);
    expect(Number(await repo.version())).toBe(v + 1);
    expect(await repo.get('a')).toMatchObject({ status: 'degraded', status_source: 'probe', consecutive_failures: 1 });
    expect(await repo.get('b')).toMatchObject({ status: 'healthy', status_source: 'manual', consecutive_failures: 0 });
    // a round without status change stores streaks without bumping the version
    const again = (await ds.query(`UPDATE router_modules SET next_check_at = now() RETURNING name`)).length;
    expect(again).toBe(2);
    const claims2 = await repo.claimDueProbes(10, 60_000);
    const v2 = Number(await repo.version());
    expect(await repo.recordProbes(claims2.map((claim) => ({ claim, status: claim.status, consecutive_failures: 0, consecutive_successes: 1 })))).toEqual([]);
    expect(Number(await repo.version())).toBe(v2);
    expect((await repo.get('a'))!.consecutive_successes).toBe(1);
  });

  it('lists by capability, status and kind', async () => {
    await repo.seedBuiltins(['noop', 'sleep'], 'builtin');
    await repo.changeTopology((g) => g.upsertService(reg('a', { capabilities: ['email', 'sms'] })));
    await repo.changeTopology((g) => g.upsertService(reg('b', { capabilities: ['sms'] })));
    await repo.setHealthManually('b', 'unhealthy');
    expect((await repo.list({ kind: 'service', capability: 'sms' })).map((r) => r.name)).toEqual(['a', 'b']);
    expect((await repo.list({ kind: 'service', capability: 'sms', status: 'unhealthy' })).map((r) => r.name)).toEqual(['b']);
    expect((await repo.list({ kind: 'builtin' })).map((r) => r.name)).toEqual(['noop', 'sleep']);
  });

  it('policies keep unset fields; counters add up across concurrent writers', async () => {
    const policies = new RoutingPolicyRepository(ds);
    await policies.upsert({ task_type: 'video', backoff: 'linear', timeout_s: 60 });
    const row = await policies.upsert({ task_type: 'video', max_retries: 5 });
    expect(row).toMatchObject({ backoff: 'linear', timeout_s: 60, max_retries: 5, strategy: null });
    const c1 = new RoutingCounterRepository(ds);
    const c2 = new RoutingCounterRepository(other);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? c1 : c2).add([{ metric: 'total_routes', label: '', delta: 5 }, { metric: 'failures', label: 'a', delta: 1 }])),
    );
    const values = Object.fromEntries((await c1.all()).map((v) => [`${v.metric}/${v.label}`, v.value]));
    expect(values).toEqual({ 'total_routes/': 100, 'failures/a': 20 });
    const origin = await c1.origin(1234);
    expect(await c2.origin(9999)).toBe(origin);
  });
});
