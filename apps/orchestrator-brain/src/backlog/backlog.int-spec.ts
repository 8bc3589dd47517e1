import { randomUUID } from 'node:crypto';
import { INestMicroservice, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, NatsConnection } from 'nats';
import pino from 'pino';
import { DataSource } from 'typeorm';
import { BacklogReply, BRAIN_BACKLOG } from '@apiary/contracts';
import { createDataSource, migrateDatabase, openDatabase } from '@apiary/persistence';
import { applyRpcGlobals, databaseProviders, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { BrainEnv } from '../env';
import { DATA_SOURCE } from '../tokens';
import { BacklogHandler } from './backlog.handler';
import { backlogProviders } from './backlog.providers';
import { BacklogRepository } from './backlog.repository';

// Real PostgreSQL (own database, migrated) and a real nats-server for this suite.
describe('apiary.brain.backlog (PostgreSQL + NATS)', () => {
  let db: TestDatabase;
  let nats: TestNats;
  let ds: DataSource;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  let app: INestMicroservice;
  const logger = pino({ level: 'silent' });

  beforeAll(async () => {
    [db, nats] = await Promise.all([createTestDatabase(migrateDatabase), startNatsServer()]);
    ds = createDataSource(db.url, 2);
    await ds.initialize();
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000);
    @Module({ controllers: [BacklogHandler], providers: [...databaseProviders(DATA_SOURCE, openDatabase), ...backlogProviders] })
    class BacklogTestModule {}
    const env = loadEnv(BrainEnv, { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '2' });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      rootModule({ service: 'orchestrator-brain', imports: [BacklogTestModule], env, logger }),
      { ...natsTransportOptions('orchestrator-brain', env), logger: false },
    );
    applyRpcGlobals(app, logger);
    await app.listen();
    await waitFor('backlog handler', () => rpc.request(BRAIN_BACKLOG, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await ds?.destroy();
    await db?.drop();
    await nats?.stop();
  });

  /** Inserts a task `createdS` seconds ago, finished `finishedS` seconds ago (or not finished). */
  async function task(type: string, status: string, createdS: number, finishedS: number | null = null): Promise<void> {
    await db.query(
      `INSERT INTO tasks (id, type, priority, score, rank, status, max_attempts, created_at, finished_at, lease_expires_at)
       VALUES ($1, $2, 'normal', 2, 2, $3, 3, now() - make_interval(secs => $4), now() - make_interval(secs => $5::float8),
               CASE WHEN $3 IN ('dispatched', 'running') THEN now() + interval '1 minute' END)`,
      [randomUUID(), type, status, createdS, finishedS],
    );
  }

  it('counts waiting, in-flight, arrivals and completions per type over the window', async () => {
    await task('bl.a', 'queued', 600);
    await task('bl.a', 'queued', 60);
    await task('bl.a', 'retrying', 30);
    await task('bl.a', 'failed', 1500, 1200); // finished before the window
    await task('bl.b', 'dispatched', 60);
    await task('bl.b', 'running', 1200);
    await task('bl.b', 'succeeded', 120, 30); // created and finished in the window
    await task('bl.c', 'dead', 1800, 60); // finished in the window, created before it

    const reply = await rpc.request<BacklogReply>(BRAIN_BACKLOG, { window_s: 300 });
    expect(reply.window_s).toBe(300);
    expect(Math.abs(Date.parse(reply.at) - Date.now())).toBeLessThan(5000);
    const byType = Object.fromEntries(reply.by_type.map((t) => [t.task_type, t]));
    expect(byType['bl.a']).toEqual({
      task_type: 'bl.a', queued: 2, retrying: 1, in_flight: 0, arrivals: 2, completions: 0, oldest_queued_age_ms: expect.any(Number),
    });
    expect(byType['bl.a'].oldest_queued_age_ms).toBeGreaterThanOrEqual(600_000);
    expect(byType['bl.a'].oldest_queued_age_ms).toBeLessThan(610_000);
    expect(byType['bl.b']).toEqual({ task_type: 'bl.b', queued: 0, retrying: 0, in_flight: 2, arrivals: 2, completions: 1, oldest_queued_age_ms: null });
    expect(byType['bl.c']).toEqual({ task_type: 'bl.c', queued: 0, retrying: 0, in_flight: 0, arrivals: 0, completions: 1, oldest_queued_age_ms: null });
    expect(reply.by_type.map((t) => t.task_type)).toEqual(['bl.a', 'bl.b', 'bl.c']);
    expect(reply).toMatchObject({ queued: 2, retrying: 1, in_flight: 2, arrivals: 4, completions: 2 });
    expect(reply.oldest_queued_age_ms).toBe(byType['bl.a'].oldest_queued_age_ms);

    // A longer window reaches the failure 20 minutes ago and more arrivals.
    const day = await rpc.request<BacklogReply>(BRAIN_BACKLOG, { window_s: 3600 });
    expect(day).toMatchObject({ arrivals: 8, completions: 3 });
  });

  it('validates the window', async () => {
    await expect(rpc.request(BRAIN_BACKLOG, { window_s: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(rpc.request(BRAIN_BACKLOG, { window_s: 60, extra: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('reads only indexes of tasks, never a sequential scan, on a large table', async () => {
    // 200,000 finished tasks over 30 days, 5,000 queued, 1,000 retrying, 500 in flight.
    await db.query(
      `INSERT INTO tasks (id, type, priority, score, rank, status, max_attempts, created_at, finished_at)
       SELECT gen_random_uuid(), 'big.' || (i % 20), 'normal', 2, 2, CASE WHEN i % 10 = 0 THEN 'failed' ELSE 'succeeded' END, 3,
              now() - make_interval(secs => (i * 13) % 2592000 + 5), now() - make_interval(secs => (i * 13) % 2592000)
         FROM generate_series(1, 200000) i`,
    );
    await db.query(
      `INSERT INTO tasks (id, type, priority, score, rank, status, max_attempts, created_at, lease_expires_at)
       SELECT gen_random_uuid(), 'big.' || (i % 20), 'normal', 2, 2,
              CASE WHEN i <= 5000 THEN 'queued' WHEN i <= 6000 THEN 'retrying' ELSE 'running' END, 3,
              now() - make_interval(secs => i), CASE WHEN i > 6000 THEN now() + interval '1 minute' END
         FROM generate_series(1, 6500) i`,
    );
    await db.query(`VACUUM ANALYZE tasks`);
    let captured: { sql: string; params: unknown[] } | undefined;
    const recording = { query: (sql: string, params: unknown[]) => ((captured = { sql, params }), ds.query(sql, params)) } as unknown as DataSource;
    const counts = await new BacklogRepository(recording).countsByType(300);
    expect(counts.rows.filter((r) => r.task_type.startsWith('big.')).reduce((n, r) => n + r.queued + r.retrying + r.in_flight, 0)).toBe(6500);
    const [{ 'QUERY PLAN': plan }] = await ds.query(`EXPLAIN (FORMAT JSON) ${captured!.sql}`, captured!.params);
    const nodes: { 'Node Type': string; 'Relation Name'?: string; 'Index Name'?: string }[] = [];
    const walk = (n: Record<string, unknown>) => {
      nodes.push(n as never);
      for (const child of (n['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    walk(plan[0].Plan);
    expect(nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'tasks')).toEqual([]);
    const indexes = new Set(nodes.map((n) => n['Index Name']).filter(Boolean));
    expect(indexes).toContain('tasks_finished');
    expect(indexes).toContain('tasks_waiting');
  }, 120_000);
});
