import { randomUUID } from 'node:crypto';
import { INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import { connect, JSONCodec, NatsConnection } from 'nats';
import pino from 'pino';
import {
  MEMORY_SERVICE_STATS,
  ServiceCallRecord,
  ServiceStatsReply,
  TASK_COMPLETIONS,
  TaskCompletedEvent,
  TaskCompletionsEvent,
} from '@apiary/contracts';
import { migrateDatabase } from '@apiary/persistence';
import { applyRpcGlobals, DatabaseServiceEnv, loadEnv, NatsRpcClient, natsTransportOptions, rootModule } from '@apiary/service-kit';
import { createTestDatabase, startNatsServer, TestDatabase, TestNats, waitFor } from '@apiary/testing';
import { MemoryModule } from '../memory.module';

// The memory module booted in-process as in production (Nest NATS transport, queue
// group, validation), against a private nats-server and its own PostgreSQL database.
describe('memory: results and service statistics (NATS + PostgreSQL)', () => {
  let nats: TestNats;
  let db: TestDatabase;
  let app: INestMicroservice;
  let nc: NatsConnection;
  let rpc: NatsRpcClient;
  const codec = JSONCodec<TaskCompletionsEvent>();
  const type = `email_campaign_${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    nats = await startNatsServer();
    db = await createTestDatabase(migrateDatabase);
    const env = loadEnv(DatabaseServiceEnv, { NATS_URL: nats.url, DATABASE_URL: db.url, DATABASE_POOL_SIZE: '4' });
    const logger = pino({ level: 'silent' });
    app = await NestFactory.createMicroservice<MicroserviceOptions>(
      rootModule({ service: 'memory', imports: [MemoryModule], env, logger }),
      { ...natsTransportOptions('memory', env), logger: false },
    );
    applyRpcGlobals(app, logger);
    await app.listen();
    nc = await connect({ servers: nats.url });
    rpc = new NatsRpcClient(nc, 15_000); // generous: suites run in parallel on small machines
    // listen() resolves before the server has the subscriptions: wait until it answers.
    await waitFor('memory to answer', () => rpc.request(MEMORY_SERVICE_STATS, {}).then(() => true, (e) => (e.code === 'SERVICE_UNAVAILABLE' ? false : Promise.reject(e))), 10_000, 20);
  });
  afterAll(async () => {
    await app?.close();
    await nc?.close();
    await db?.drop();
    await nats?.stop();
  });

  function completion(overrides: Partial<TaskCompletedEvent> = {}): TaskCompletedEvent {
    const finished = new Date();
    return {
      task_id: randomUUID(), type, attempt: 1, success: true, result: { ok: true }, error: null, handler: 'http', runner: 'spec',
      started_at: new Date(finished.getTime() - 100).toISOString(), finished_at: finished.toISOString(), latency_ms: 100,
      ...overrides,
    };
  }
  const call = (service: string, success: boolean, latency_ms: number, fallback = false): ServiceCallRecord =>
    ({ service, success, latency_ms, fallback, ...(success ? {} : { error_code: 'HTTP_503' }) });

  async function publish(events: TaskCompletedEvent[]): Promise<void> {
    await nc.jetstream().publish(TASK_COMPLETIONS, codec.encode({ events }));
  }
  async function stored(taskIds: string[]): Promise<number> {
    const [row] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM task_results WHERE task_id = ANY($1::uuid[])`, [taskIds]);
    return Number(row.n);
  }
  const stats = (taskType: string, window_s?: number) =>
    rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, { task_types: [taskType], ...(window_s ? { window_s } : {}) });

  it('counts one stat per routed call (a failed primary counts even when the fallback saved the attempt), once per result although delivered twice', async () => {
    const rescued = completion({ service: 'content-ai', calls: [call('email-ai', false, 30), call('email-ai', false, 50), call('content-ai', true, 200, true)] });
    const direct = completion({ service: 'email-ai', calls: [call('email-ai', true, 120)] });
    // The same completions twice in one batch, then again in a later batch (a redelivery).
    await publish([rescued, direct]);
    await publish([rescued, direct]);
    await waitFor('results stored', async () => (await stored([rescued.task_id, direct.task_id])) === 2, 10_000, 20);
    await publish([rescued, direct]);
    const marker = completion({ handler: 'noop', type: `${type}.marker` });
    await publish([marker]);
    await waitFor('marker stored', async () => (await stored([marker.task_id])) === 1, 10_000, 20);

    const reply = await stats(type);
    expect(reply.window_s).toBe(3600);
    expect(reply.stats).toEqual([
      { task_type: type, service: 'content-ai', count: 1, successes: 1, failures: 0, mean_latency_ms: 200, last_at: rescued.finished_at },
      { task_type: type, service: 'email-ai', count: 3, successes: 1, failures: 2, mean_latency_ms: 66.667, last_at: [rescued.finished_at, direct.finished_at].sort()[1] },
    ]);
    // A built-in handler's result (no calls) is learned under the handler's name.
    expect((await stats(`${type}.marker`)).stats).toEqual([
      expect.objectContaining({ service: 'noop', count: 1, successes: 1, failures: 0, mean_latency_ms: 100 }),
    ]);
    expect(await stored([rescued.task_id, direct.task_id])).toBe(2);
  });

  it('answers per window: older results drop out of a short window', async () => {
    const windowType = `${type}.window`;
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000).toISOString();
    const old = completion({ type: windowType, handler: 'sleep', success: false, latency_ms: 900, finished_at: hoursAgo(2), started_at: hoursAgo(2) });
    const recent = [completion({ type: windowType, handler: 'sleep', latency_ms: 10 }), completion({ type: windowType, handler: 'sleep', latency_ms: 30 })];
    await publish([old, ...recent]);
    await waitFor('window results stored', async () => (await stored([old.task_id, ...recent.map((r) => r.task_id)])) === 3, 10_000, 20);

    expect((await stats(windowType, 3600)).stats).toEqual([
      expect.objectContaining({ service: 'sleep', count: 2, successes: 2, failures: 0, mean_latency_ms: 20 }),
    ]);
    expect((await stats(windowType, 3 * 3600)).stats).toEqual([
      expect.objectContaining({ service: 'sleep', count: 3, successes: 2, failures: 1, mean_latency_ms: 313.333 }),
    ]);
    // Without task_types: every type learned in the window.
    const all = await rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, {});
    expect(all.stats.map((s) => `${s.task_type}/${s.service}`)).toEqual(
      expect.arrayContaining([`${type}/content-ai`, `${type}/email-ai`, `${windowType}/sleep`]),
    );
  });

  it('refuses a window outside 60..2,592,000 s (VALIDATION_FAILED)', async () => {
    await expect(stats(type, 10)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('window_s') });
  });
});
