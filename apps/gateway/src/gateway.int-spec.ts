import { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, JSONCodec, NatsConnection } from 'nats';
import { Writable } from 'node:stream';
import pino from 'pino';
import {
  BRAIN_GET_TASK,
  BRAIN_SUBMIT,
  BRAIN_SUBMIT_BATCH,
  ERROR_CODES,
  HealthReply,
  PRIORITY_LEVELS,
  healthSubject,
  SubmitBatchRequest,
  SubmitTaskRequest,
  TaskInput,
  TaskView,
} from '@apiary/contracts';
import { loadEnv } from '@apiary/service-kit';
import { SpanRecord, startTelemetry } from '@apiary/telemetry';
import { FakeBrain } from '../test/fake-brain';
import { startNatsServer, TestNatsServer } from '../test/nats-server';
import { createGatewayApp } from './app.factory';
import { fairnessKeyOf } from './auth/api-keys';
import { GatewayEnv } from './config/gateway.env';

/**
 * The real gateway app in-process, over real HTTP, against a real nats-server,
 * with the orchestrator brain faked by a plain nats.js subscriber.
 */

const API_KEY = 'int-spec-key-0123456789abcdef';
const OTHER_KEY = 'int-spec-other-key-0123456789';
const KNOWN_TASK_ID = '6f1c1a6e-3c1b-4d53-9a43-5b3f2a0c9e11';
const RPC_TIMEOUT_MS = 700;

function taskView(input: TaskInput, taskId = randomUUID()): TaskView {
  return {
    task_id: taskId,
    type: input.type,
    status: 'queued',
    priority: input.priority ?? 'normal',
    score: 2,
    attempts: 0,
    result: null,
    error: null,
    batch_id: null,
    created_at: '2026-01-01T00:00:00.000Z',
    started_at: null,
    finished_at: null,
  };
}

const brain = new FakeBrain({
  [BRAIN_SUBMIT]: (data) => {
    const { task } = data as SubmitTaskRequest;
    if (task.type === 'no.such.type') {
      return { err: { code: 'UNKNOWN_TASK_TYPE', message: 'Unknown task type "no.such.type"' } };
    }
    return { response: { task: taskView(task), created: task.idempotency_key !== 'seen-before' } };
  },
  [BRAIN_SUBMIT_BATCH]: (data) => {
    const { tasks } = data as SubmitBatchRequest;
    return { response: { batch_id: randomUUID(), task_ids: tasks.map(() => randomUUID()) } };
  },
  [BRAIN_GET_TASK]: (data) => {
    const { task_id } = data as { task_id: string };
    if (task_id !== KNOWN_TASK_ID) return { err: { code: 'TASK_NOT_FOUND', message: `Task ${task_id} not found` } };
    return { response: taskView({ type: 'noop' }, KNOWN_TASK_ID) };
  },
});

/** Lines the gateway logged at warn level or above. */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  },
});

const traceDir = mkdtempSync(join(tmpdir(), 'apiary-gateway-traces-'));
const traceFile = join(traceDir, 'spans.jsonl');

/** Spans finished so far (written by the telemetry lib's `jsonl` exporter). */
function spans(): SpanRecord[] {
  if (!existsSync(traceFile)) return [];
  return readFileSync(traceFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as SpanRecord);
}

/** Waits (up to 2 s) for a span matching `predicate`. */
async function spanWhere(predicate: (span: SpanRecord) => boolean): Promise<SpanRecord> {
  for (let i = 0; i < 40; i++) {
    const found = spans().find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('span not found');
}

let nats: TestNatsServer;
let app: INestApplication;
let baseUrl: string;

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(method: string, path: string, options: { body?: unknown; raw?: string; headers?: Record<string, string>; key?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? API_KEY : options.key;
  if (key !== null) headers['authorization'] ??= `Bearer ${key}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function expectError(reply: Reply, status: number, code: string, message?: RegExp): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(typeof reply.body.error.message).toBe('string');
  if (message) expect(reply.body.error.message).toMatch(message);
}

beforeAll(async () => {
  process.env['OTEL_TRACES_EXPORTER'] = 'jsonl';
  process.env['APIARY_TRACE_FILE'] = traceFile;
  startTelemetry('gateway');
  nats = await startNatsServer();
  await brain.start(nats.url);
  const env = loadEnv(GatewayEnv, {
    NATS_URL: nats.url,
    APIARY_API_KEYS: `${API_KEY},${OTHER_KEY}`,
    APIARY_HTTP_PORT: '0',
    APIARY_HTTP_HOST: '127.0.0.1',
    APIARY_RPC_TIMEOUT_MS: String(RPC_TIMEOUT_MS),
  });
  app = await createGatewayApp(env, { logger: pino({ level: 'warn' }, logSink) });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await app?.close();
  await brain.close();
  await nats?.stop();
  rmSync(traceDir, { recursive: true, force: true });
});

beforeEach(() => brain.reset());

describe('authentication', () => {
  it('refuses a request without a key with 401 and forwards nothing', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop' }, key: null });
    expectError(reply, 401, 'UNAUTHORIZED', /API key/);
    expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(brain.received).toEqual([]);
  });

  it('refuses a wrong key with 401', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop' }, key: 'not-a-configured-key-000000' });
    expectError(reply, 401, 'UNAUTHORIZED', /Invalid API key/);
    expect(brain.received).toEqual([]);
  });

  it('accepts X-API-Key with the fairness key of that key', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop' }, key: null, headers: { 'x-api-key': OTHER_KEY } });
    expect(reply.status).toBe(201);
    expect((brain.received[0].data as SubmitTaskRequest).fairness_key).toBe(fairnessKeyOf(OTHER_KEY));
  });

  it('serves /livez and /health without a key', async () => {
    expect(await call('GET', '/livez', { key: null })).toMatchObject({ status: 200, body: { status: 'alive' } });
    // Ready as long as its own NATS answers, even with every service down.
    expect(await call('GET', '/readyz', { key: null })).toMatchObject({ status: 200, body: { status: 'ready', nats: 'connected' } });
    expect((await call('GET', '/health', { key: null })).status).toBe(503);
  });
});

describe('POST /tasks', () => {
  it('forwards the body unchanged with the fairness key and answers 201 with the TaskView', async () => {
    const input = {
      type: 'text.sentiment',
      data: { text: 'Grüße 🐝', nested: { list: [1, 2.5, null, 'x'], flag: false }, empty: {} },
      priority: 'high',
      idempotency_key: 'order-42',
    };
    const reply = await call('POST', '/tasks', { body: input });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual(expect.objectContaining({ type: 'text.sentiment', status: 'queued', priority: 'high' }));
    expect(Object.keys(reply.body).sort()).toEqual(
      ['task_id', 'type', 'status', 'priority', 'score', 'attempts', 'result', 'error', 'batch_id', 'created_at', 'started_at', 'finished_at'].sort(),
    );
    expect(brain.received).toEqual([
      { subject: BRAIN_SUBMIT, data: { task: input, fairness_key: fairnessKeyOf(API_KEY) }, traceparent: expect.any(String) },
    ]);
  });

  it('answers 200 with the existing task on an idempotent repeat', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop', idempotency_key: 'seen-before' } });
    expect(reply.status).toBe(200);
    expect(reply.body.type).toBe('noop');
  });

  it('answers 400 INVALID_JSON for malformed JSON', async () => {
    expectError(await call('POST', '/tasks', { raw: '{"type": "noop",' }), 400, 'INVALID_JSON');
    expect(brain.received).toEqual([]);
  });

  it('answers 413 PAYLOAD_TOO_LARGE for a body over 1 MiB', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop', data: { blob: 'x'.repeat(1024 * 1024) } } });
    expectError(reply, 413, 'PAYLOAD_TOO_LARGE', /1048576 bytes/);
    expect(brain.received).toEqual([]);
  });

  it('answers 400 naming an unknown field', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop', colour: 'red' } });
    expectError(reply, 400, 'VALIDATION_FAILED', /^colour: /);
    expect(reply.body.error.details).toEqual([{ field: 'colour', constraints: ['property colour should not exist'] }]);
    expect(brain.received).toEqual([]);
  });

  it('answers 400 naming the bad field', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'has spaces', priority: 'urgent' } });
    expectError(reply, 400, 'VALIDATION_FAILED', /^type: /);
    expect(reply.body.error.details.map((d: { field: string }) => d.field)).toEqual(['type', 'priority']);
    expect(brain.received).toEqual([]);
  });

  it.each([
    ['a wrong content type', { raw: 'type=noop', headers: { 'content-type': 'text/plain' } }],
    ['a JSON array', { body: [{ type: 'noop' }] }],
    ['a JSON string', { raw: '"noop"' }],
    ['no body', {}],
  ])('answers 400 VALIDATION_FAILED for %s', async (_name, options) => {
    expectError(await call('POST', '/tasks', options), 400, 'VALIDATION_FAILED', /^body: /);
    expect(brain.received).toEqual([]);
  });

  it('passes UNKNOWN_TASK_TYPE from the brain through as 422', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'no.such.type' } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ error: { code: 'UNKNOWN_TASK_TYPE', message: 'Unknown task type "no.such.type"' } });
  });

  it('answers 503 SERVICE_UNAVAILABLE when no brain subscribes', async () => {
    await brain.stop();
    try {
      const reply = await call('POST', '/tasks', { body: { type: 'noop' } });
      expectError(reply, 503, 'SERVICE_UNAVAILABLE', /apiary\.brain\.submit/);
      expect(brain.received).toEqual([]);
    } finally {
      await brain.start(nats.url);
    }
  });

  it('answers 504 UPSTREAM_TIMEOUT when the brain never replies', async () => {
    brain.silent = true;
    const started = Date.now();
    const reply = await call('POST', '/tasks', { body: { type: 'noop' } });
    expectError(reply, 504, 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(RPC_TIMEOUT_MS - 50);
    expect(brain.received).toHaveLength(1);
  });
});

describe('POST /tasks/batch', () => {
  it('submits the batch with the fairness key and answers 201 { batch_id, task_ids }', async () => {
    const tasks = [{ type: 'noop' }, { type: 'sleep', data: { ms: 5 }, priority: 'low' }];
    const reply = await call('POST', '/tasks/batch', { body: { tasks } });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ batch_id: expect.any(String), task_ids: [expect.any(String), expect.any(String)] });
    expect(brain.received).toEqual([
      { subject: BRAIN_SUBMIT_BATCH, data: { tasks, fairness_key: fairnessKeyOf(API_KEY) }, traceparent: expect.any(String) },
    ]);
  });

  it('answers 400 naming tasks.2.type', async () => {
    const reply = await call('POST', '/tasks/batch', { body: { tasks: [{ type: 'noop' }, { type: 'noop' }, { data: {} }] } });
    expectError(reply, 400, 'VALIDATION_FAILED', /^tasks\.2\.type: /);
    expect(brain.received).toEqual([]);
  });

  it('refuses a client-chosen fairness_key', async () => {
    const reply = await call('POST', '/tasks/batch', { body: { tasks: [{ type: 'noop' }], fairness_key: 'me-first' } });
    expectError(reply, 400, 'VALIDATION_FAILED', /^fairness_key: /);
    expect(brain.received).toEqual([]);
  });

  it('answers 413 BATCH_TOO_LARGE above 10,000 tasks', async () => {
    const reply = await call('POST', '/tasks/batch', { body: { tasks: Array.from({ length: 10_001 }, () => ({ type: 'n' })) } });
    expectError(reply, 413, 'BATCH_TOO_LARGE', /10000/);
    expect(brain.received).toEqual([]);
  });

  it('answers 400 for an empty batch', async () => {
    expectError(await call('POST', '/tasks/batch', { body: { tasks: [] } }), 400, 'VALIDATION_FAILED', /^tasks: /);
    expect(brain.received).toEqual([]);
  });
});

describe('POST /orchestrate (seed 001)', () => {
  it('maps { type, params } to tasks and answers 201 with status queued', async () => {
    const reply = await call('POST', '/orchestrate', {
      body: {
        tasks: [{ type: 'image_generation', params: { prompt: 'Sunset landscape' } }, { type: 'crypto_prediction' }],
        priority: 'high',
      },
    });
    expect(reply.status).toBe(201);
    expect(reply.body).toEqual({ batch_id: expect.any(String), task_ids: [expect.any(String), expect.any(String)], status: 'queued' });
    expect(brain.received[0].data).toEqual({
      tasks: [
        { type: 'image_generation', data: { prompt: 'Sunset landscape' }, priority: 'high' },
        { type: 'crypto_prediction', data: {}, priority: 'high' },
      ],
      fairness_key: fairnessKeyOf(API_KEY),
    });
  });

  it('answers 400 naming tasks.1.type', async () => {
    const reply = await call('POST', '/orchestrate', { body: { tasks: [{ type: 'a' }, { params: {} }] } });
    expectError(reply, 400, 'VALIDATION_FAILED', /^tasks\.1\.type: /);
    expect(brain.received).toEqual([]);
  });
});

describe('GET /tasks/:id and /task/:id', () => {
  it.each(['/tasks/', '/task/'])('%s returns the TaskView', async (prefix) => {
    const reply = await call('GET', `${prefix}${KNOWN_TASK_ID}`);
    expect(reply.status).toBe(200);
    expect(reply.body.task_id).toBe(KNOWN_TASK_ID);
    expect(brain.received).toEqual([{ subject: BRAIN_GET_TASK, data: { task_id: KNOWN_TASK_ID }, traceparent: expect.any(String) }]);
  });

  it('answers 404 TASK_NOT_FOUND for a well-formed unknown id', async () => {
    expectError(await call('GET', `/tasks/${randomUUID()}`), 404, 'TASK_NOT_FOUND');
  });

  it('answers 400 naming task_id for a malformed id', async () => {
    expectError(await call('GET', '/tasks/not-a-uuid'), 400, 'VALIDATION_FAILED', /^task_id: /);
    expect(brain.received).toEqual([]);
  });
});

describe('routing and tracing', () => {
  it('answers 404 NOT_FOUND for an unknown route', async () => {
    expectError(await call('GET', '/nope'), 404, 'NOT_FOUND', /GET \/nope/);
  });

  it('continues an incoming traceparent and reports its trace id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const reply = await call('POST', '/tasks', {
      body: { type: 'noop' },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('x-trace-id')).toBe(traceId);
    expect(brain.received[0].traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(brain.received[0].traceparent).not.toContain('00f067aa0ba902b7');
  });

  it('runs the handler inside a SERVER span named after the route, parent of the RPC span', async () => {
    const reply = await call('GET', `/tasks/${KNOWN_TASK_ID}`);
    const traceId = reply.headers.get('x-trace-id');
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(brain.received[0].traceparent).toMatch(new RegExp(`^00-${traceId}-`));
    const server = await spanWhere((s) => s.trace_id === traceId && s.name === 'HTTP GET /tasks/:task_id');
    expect(server.service).toBe('gateway');
    expect(server.parent_span_id).toBeUndefined();
    expect(server.attributes).toMatchObject({ 'http.route': '/tasks/:task_id', 'http.response.status_code': 200 });
    const client = await spanWhere((s) => s.trace_id === traceId && s.name === BRAIN_GET_TASK);
    expect(client.parent_span_id).toBe(server.span_id);
  });

  it('sets x-trace-id on rejected requests too', async () => {
    const reply = await call('POST', '/tasks', { body: { type: 'noop' }, key: null });
    expect(reply.status).toBe(401);
    expect(reply.headers.get('x-trace-id')).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('health', () => {
  it('GET /health answers 503 with every service unreachable', async () => {
    const reply = await call('GET', '/health', { key: null });
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({
      status: 'unhealthy',
      service: 'gateway',
      nats: 'connected',
      database: 'disconnected',
      services: {
        'orchestrator-brain': 'unreachable',
        'task-router': 'unreachable',
        memory: 'unreachable',
        'self-improvement': 'unreachable',
        scaler: 'unreachable',
        'bot-runtime': 'unreachable',
      },
      timestamp: expect.any(String),
    });
  });

  it('applies the RPC globals to the NATS side (no "after initialization" warnings)', () => {
    expect(logLines.filter((line) => /initiali[sz]ation/.test(line))).toEqual([]);
  });

  it('answers apiary.gateway.health over NATS', async () => {
    const nc: NatsConnection = await connect({ servers: nats.url });
    try {
      const codec = JSONCodec<unknown>();
      const msg = await nc.request(healthSubject('gateway'), codec.encode({ pattern: healthSubject('gateway'), data: {}, id: '1' }), {
        timeout: 2000,
      });
      const body = codec.decode(msg.data) as { response: HealthReply };
      expect(body.response).toMatchObject({ service: 'gateway', status: 'healthy', checks: { nats: 'connected' } });
    } finally {
      await nc.close();
    }
  });
});

describe('OpenAPI document and Swagger UI', () => {
  /** Operation of the document (only the fields checked here). */
  interface Operation {
    security?: unknown[];
    parameters?: Array<{ name: string; in: string; required?: boolean }>;
    requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
    responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
    tags?: string[];
  }
  interface Schema {
    $ref?: string;
    type?: string;
    required?: string[];
    properties?: Record<string, Schema & { enum?: unknown[] }>;
    items?: Schema;
    allOf?: Schema[];
  }
  interface Document {
    openapi: string;
    info: { version: string };
    security?: Array<Record<string, unknown>>;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, unknown>> };
  }

  let doc: Document;
  beforeAll(async () => {
    const reply = await call('GET', '/openapi.json', { key: null });
    expect(reply.status).toBe(200);
    doc = reply.body as Document;
  });

  function schemaOf(schema: Schema): Schema {
    const ref = schema.$ref ?? (schema.allOf?.length === 1 ? schema.allOf[0].$ref : undefined);
    if (!ref) return schema;
    const resolved = doc.components.schemas[ref.replace('#/components/schemas/', '')];
    if (!resolved) throw new Error(`unresolved ${ref}`);
    return resolved;
  }
  function operations(): Array<{ method: string; path: string; op: Operation }> {
    return Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ method, path, op })));
  }

  it('serves an OpenAPI 3 document at /openapi.json without an API key', async () => {
    const reply = await call('GET', '/openapi.json', { key: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(doc.openapi).toMatch(/^3\./);
    const pkg = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    expect(doc.info.version).toBe(pkg.version);
  });

  it('documents the API routes', () => {
    for (const path of [
      '/tasks',
      '/tasks/batch',
      '/tasks/{task_id}',
      '/task/{task_id}',
      '/orchestrate',
      '/bots',
      '/bots/{bot_id}',
      '/bots/stats',
      '/bots/{bot_id}/tasks',
      '/bots/{bot_id}/tasks/next',
      '/bots/{bot_id}/tasks/{task_id}/complete',
      '/swarms',
      '/swarms/{swarm_id}',
      '/swarms/{swarm_id}/bots',
      '/swarms/{swarm_id}/tasks',
      '/swarms/{swarm_id}/batches/{batch_id}',
      '/decisions',
      '/brain/performance',
      '/services',
      '/services/{name}',
      '/services/{name}/health',
      '/route',
      '/routing/stats',
      '/routing/policies',
      '/routing/policies/{task_type}',
      '/modules',
      '/modules/health',
      '/modules/by-category',
      '/modules/{name}',
      '/modules/{name}/enable',
      '/modules/{name}/disable',
      '/scaling/metrics',
      '/scaling/rules',
      '/scaling/rules/{name}',
      '/scaling/status',
      '/scaling/history',
      '/scaling/evaluate',
      '/scaling/recommendation',
      '/capacity/plan',
      '/memory/patterns/{task_type}',
      '/memory/contexts',
      '/memory/contexts/{context_id}',
      '/memory/relevant',
      '/memory/short-term',
      '/memory/summary',
      '/memory/stats',
      '/memory/runners',
      '/improvement/analyze',
      '/improvement/report',
      '/suggestions',
      '/suggestions/{id}',
      '/suggestions/{id}/approve',
      '/suggestions/{id}/reject',
      '/suggestions/{id}/implemented',
      '/workflows',
      '/workflows/{workflow_id}',
      '/workflows/{workflow_id}/cancel',
      '/workflow-definitions',
      '/workflow-definitions/{name}',
      '/batches/{batch_id}',
      '/schedules',
      '/schedules/{schedule_id}',
      '/schedules/{schedule_id}/pause',
      '/schedules/{schedule_id}/resume',
      '/schedules/{schedule_id}/runs',
      '/datasets',
      '/datasets/{dataset}',
      '/health',
      '/livez',
      '/readyz',
    ]) {
      expect(doc.paths).toHaveProperty([path]);
    }
  });

  it('documents every HTTP route the app serves, and nothing else', () => {
    // Express 5 router: one layer with a `route` per registered method and path.
    interface RouterLayer {
      route?: { path: string; methods: Record<string, boolean> };
    }
    const { router } = app.getHttpAdapter().getInstance() as { router: { stack: RouterLayer[] } };
    const served = new Set<string>();
    for (const layer of router.stack) {
      const route = layer.route;
      if (!route || route.path === '/openapi.json' || route.path.startsWith('/docs')) continue;
      for (const method of Object.keys(route.methods)) served.add(`${method} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    }
    expect(served.size).toBeGreaterThan(20);
    const documented = new Set(operations().map(({ method, path }) => `${method} ${path}`));
    expect([...documented].sort()).toEqual([...served].sort());
  });

  it('gives every operation a tag, a success response and the error body', () => {
    const tags = new Set(['tasks', 'bots', 'swarms', 'health', 'brain', 'routing', 'modules', 'memory', 'improvement', 'scaling', 'workflows', 'schedules', 'datasets', 'ai']);
    for (const { method, path, op } of operations()) {
      const where = `${method} ${path}`;
      expect({ where, tags: op.tags?.filter((t) => tags.has(t)).length }).toEqual({ where, tags: 1 });
      const success = Object.keys(op.responses).filter((status) => /^2\d\d$/.test(status));
      expect({ where, success: success.length > 0 }).toEqual({ where, success: true });
      for (const status of success.filter((s) => s !== '204')) {
        const schema = Boolean(op.responses[status].content?.['application/json']?.schema);
        expect({ where, status, schema }).toEqual({ where, status, schema: true });
      }
      for (const [status, response] of Object.entries(op.responses).filter(([s]) => /^[45]\d\d$/.test(s))) {
        if ((path === '/health' || path === '/readyz') && status === '503') continue; // a probe body, not an error
        expect({ where, status, schema: response.content?.['application/json']?.schema }).toEqual({
          where,
          status,
          schema: { $ref: '#/components/schemas/ErrorBody' },
        });
      }
    }
  });

  it('describes the error body { error: { code, message, details } }', async () => {
    const body = schemaOf(doc.components.schemas['ErrorBody']);
    expect(body.required).toEqual(['error']);
    const error = schemaOf(body.properties!['error']);
    expect(Object.keys(error.properties!).sort()).toEqual(['code', 'details', 'message']);
    expect(error.required!.sort()).toEqual(['code', 'message']);
    expect(error.properties!['code'].enum).toEqual([...ERROR_CODES]);
    // The filter's real error body has the documented members.
    const reply = await call('GET', '/tasks/not-a-uuid');
    expect(reply.status).toBe(400);
    expect(Object.keys(reply.body)).toEqual(['error']);
    expect(Object.keys(reply.body.error).every((key) => key in error.properties!)).toBe(true);
    expect(doc.paths['/tasks/{task_id}'].get.responses['404'].description).toMatch(/TASK_NOT_FOUND/);
    expect(doc.paths['/tasks'].post.responses['401'].description).toMatch(/UNAUTHORIZED/);
  });

  it('describes the POST /tasks body: type required, priority an enum', () => {
    const body = doc.paths['/tasks'].post.requestBody!;
    expect(body.required).toBe(true);
    const schema = schemaOf(body.content['application/json'].schema);
    expect(schema.required).toEqual(['type']);
    expect(Object.keys(schema.properties!).sort()).toEqual(['cache', 'context_id', 'data', 'idempotency_key', 'priority', 'type']);
    expect(schema.properties!['priority'].enum).toEqual(['low', 'normal', 'high', 'critical']);
    expect(schema.properties!['priority'].enum).toEqual([...PRIORITY_LEVELS]);
    const batch = schemaOf(doc.paths['/tasks/batch'].post.requestBody!.content['application/json'].schema);
    expect(batch.properties!['tasks']).toMatchObject({ type: 'array', minItems: 1, maxItems: 10_000 });
    expect(schemaOf(batch.properties!['tasks'].items!)).toBe(schema);
  });

  it('describes path and query parameters', () => {
    expect(doc.paths['/tasks/{task_id}'].get.parameters).toEqual([
      expect.objectContaining({ name: 'task_id', in: 'path', required: true, schema: expect.objectContaining({ format: 'uuid' }) }),
    ]);
    expect(doc.paths['/swarms/{swarm_id}/batches/{batch_id}'].get.parameters!.map((p) => `${p.in}:${p.name}`).sort()).toEqual([
      'path:batch_id',
      'path:swarm_id',
    ]);
    expect(doc.paths['/bots'].get.parameters!.map((p) => `${p.in}:${p.name}:${p.required}`).sort()).toEqual([
      'query:capability:false',
      'query:cursor:false',
      'query:limit:false',
      'query:status:false',
      'query:swarm:false',
      'query:tier:false',
    ]);
  });

  it('describes the replies with the fields the API sends', async () => {
    const taskView = schemaOf(doc.paths['/tasks/{task_id}'].get.responses['200'].content!['application/json'].schema);
    const reply = await call('GET', `/tasks/${KNOWN_TASK_ID}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(taskView.properties!).sort()).toEqual(Object.keys(reply.body).sort());
    expect(taskView.required!.sort()).toEqual(Object.keys(reply.body).sort());
    const created = doc.paths['/tasks'].post.responses;
    expect(schemaOf(created['201'].content!['application/json'].schema)).toBe(taskView);
    expect(schemaOf(created['200'].content!['application/json'].schema)).toBe(taskView);
    const stats = schemaOf(doc.paths['/bots/stats'].get.responses['200'].content!['application/json'].schema);
    expect(stats.required).toEqual(expect.arrayContaining(['total_created', 'active_bots', 'tier_distribution', 'utilization_percent']));
    expect(doc.paths['/bots/{bot_id}/tasks/next'].post.responses).toHaveProperty(['204']);
  });

  it('declares Bearer and X-API-Key, either one required, except on /health, /livez and /readyz', () => {
    expect(doc.components.securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      'api-key': expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }),
    });
    expect(doc.security).toEqual([{ bearer: [] }, { 'api-key': [] }]);
    const open = operations()
      .filter(({ op }) => Array.isArray(op.security) && op.security.length === 0)
      .map(({ method, path }) => `${method} ${path}`);
    expect(open.sort()).toEqual(['get /health', 'get /livez', 'get /readyz']);
  });

  it('matches the guard: an operation without a key answers 401 exactly when the document requires one', async () => {
    for (const { method, path, op } of operations()) {
      const url = path.replace(/\{\w+\}/g, () => randomUUID());
      const reply = await call(method.toUpperCase(), url, { key: null, body: method === 'get' || method === 'delete' ? undefined : {} });
      const documentedOpen = Array.isArray(op.security) && op.security.length === 0;
      const route = `${method} ${path}`;
      expect({ route, unauthorized: reply.status === 401 }).toEqual({ route, unauthorized: !documentedOpen });
    }
    expect(brain.received).toEqual([]);
  });

  it('serves Swagger UI at /docs without an API key', async () => {
    const page = await call('GET', '/docs', { key: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.body).toMatch(/swagger-ui/);
    const init = await call('GET', '/docs/swagger-ui-init.js', { key: null });
    expect(init.status).toBe(200);
    expect(init.body).toContain('"/tasks/batch"');
    const bundle = await fetch(`${baseUrl}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    await bundle.arrayBuffer();
  });
});
