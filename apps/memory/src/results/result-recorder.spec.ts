import { JsMsg, JSONCodec } from 'nats';
import { TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';
import type { ServiceStatSample, TaskResultRow } from '@apiary/persistence';
import { MAX_ROWS_PER_TRANSACTION, PARALLEL_TRANSACTIONS, ResultRecorder, statSamples, toResultRow } from './result-recorder';

describe('toResultRow', () => {
  const event: TaskCompletedEvent = {
    task_id: '0b6c1f7e-0000-4000-8000-000000000001', type: 'noop', attempt: 2, success: false, result: null,
    error: { code: 'HTTP_TIMEOUT', message: 'timed out', retryable: true }, handler: 'http', runner: 'r1',
    started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 1000,
  };

  it('keeps attempt, error code and latency', () => {
    expect(toResultRow(event)).toMatchObject({ attempt: 2, error_code: 'HTTP_TIMEOUT', latency_ms: 1000, success: false });
  });

  it('drops malformed events (they would fail the whole batch insert)', () => {
    expect(toResultRow({ ...event, attempt: 1.5 })).toBeUndefined();
    expect(toResultRow({ ...event, task_id: 5 as unknown as string })).toBeUndefined();
    expect(toResultRow({ ...event, task_id: 'not-a-uuid' })).toBeUndefined();
    expect(toResultRow({ ...event, type: null as unknown as string })).toBeUndefined();
    expect(toResultRow({ ...event, success: 'no' as unknown as boolean })).toBeUndefined();
    expect(toResultRow({ ...event, finished_at: 'later' })).toBeUndefined();
  });

  it('keeps service, bot, swarm and context when they are strings, and bounds the params digest again', () => {
    const params = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const row = toResultRow({ ...event, service: 'email-ai', bot_id: 'b-1', swarm_id: 's-1', context_id: 'campaign_2024', params });
    expect(row).toMatchObject({ service: 'email-ai', bot_id: 'b-1', swarm_id: 's-1', context_id: 'campaign_2024', error_message: 'timed out' });
    expect(Object.keys(row!.params!)).toHaveLength(16);
    expect(toResultRow({ ...event, bot_id: 7 as unknown as string })).toMatchObject({ bot_id: null, service: null, swarm_id: null, context_id: null, params: null });
  });
});

describe('statSamples', () => {
  const base: TaskCompletedEvent = {
    task_id: '0b6c1f7e-0000-4000-8000-000000000002', type: 'email_campaign', attempt: 1, success: true, result: {},
    error: null, handler: 'http', runner: 'r1', started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:02.000Z',
    latency_ms: 2000,
  };

  it('gives one sample per routed call, named by the called service', () => {
    const e: TaskCompletedEvent = {
      ...base,
      service: 'content-ai',
      calls: [
        { service: 'email-ai', success: false, latency_ms: 30, error_code: 'HTTP_503', fallback: false },
        { service: 'content-ai', success: true, latency_ms: 200, fallback: true },
      ],
    };
    expect(statSamples(e)).toEqual([
      { task_type: 'email_campaign', service: 'email-ai', success: false, latency_ms: 30, at: base.finished_at, error_code: 'HTTP_503', error_message: null },
      { task_type: 'email_campaign', service: 'content-ai', success: true, latency_ms: 200, at: base.finished_at },
    ]);
  });

  it('carries a failed handler run\'s error code and message', () => {
    expect(statSamples({ ...base, handler: 'sleep', success: false, error: { code: 'HANDLER_ERROR', message: 'boom', retryable: false } })).toEqual([
      { task_type: 'email_campaign', service: 'sleep', success: false, latency_ms: 2000, at: base.finished_at, error_code: 'HANDLER_ERROR', error_message: 'boom' },
    ]);
  });

  it('gives one sample for the handler when there are no calls, none for an empty call list', () => {
    expect(statSamples({ ...base, handler: 'text.sentiment', type: 'text.sentiment' })).toEqual([
      { task_type: 'text.sentiment', service: 'text.sentiment', success: true, latency_ms: 2000, at: base.finished_at },
    ]);
    expect(statSamples({ ...base, calls: [] })).toEqual([]);
  });

  it('skips malformed calls', () => {
    const calls = [{ service: '', success: true, latency_ms: 1, fallback: false }, { service: 'a', success: 'yes', latency_ms: 1, fallback: false }];
    expect(statSamples({ ...base, calls: calls as never })).toEqual([]);
  });
});

describe('ResultRecorder', () => {
  const codec = JSONCodec<TaskCompletionsEvent>();
  const msg = (events: TaskCompletedEvent[]) => ({ data: codec.encode({ events }) }) as unknown as JsMsg;
  const event = (task_id: string, service: string): TaskCompletedEvent => ({
    task_id, type: 't', attempt: 1, success: true, result: null, error: null, handler: 'http', runner: 'r',
    started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 5,
    calls: [{ service, success: true, latency_ms: 5, fallback: false }],
  });

  it('hands the repository the samples of exactly the rows it stored', async () => {
    let statsOf: ((stored: TaskResultRow[]) => ServiceStatSample[]) | undefined;
    let rows: TaskResultRow[] = [];
    const recorder = new ResultRecorder({
      insertMany: async (r, s) => {
        rows = r;
        statsOf = s;
        return 1;
      },
    });
    const a = '0b6c1f7e-0000-4000-8000-00000000000a';
    const b = '0b6c1f7e-0000-4000-8000-00000000000b';
    await recorder.record([msg([event(a, 'svc-a'), event(b, 'svc-b')]), { data: new Uint8Array([1, 2]) } as unknown as JsMsg]);
    expect(rows.map((r) => r.task_id)).toEqual([a, b]);
    // Only b was new: only b's call is counted.
    expect(statsOf!(rows.filter((r) => r.task_id === b)).map((s) => s.service)).toEqual(['svc-b']);
  });

  it('stores a large batch in transactions of at most MAX_ROWS_PER_TRANSACTION results, PARALLEL_TRANSACTIONS at a time', async () => {
    const sizes: number[] = [];
    let inFlight = 0;
    let most = 0;
    const recorder = new ResultRecorder({
      insertMany: async (r) => {
        most = Math.max(most, ++inFlight);
        await new Promise((done) => setTimeout(done, 5));
        inFlight -= 1;
        sizes.push(r.length);
        return r.length;
      },
    });
    const n = MAX_ROWS_PER_TRANSACTION * 2 + 10;
    const events = Array.from({ length: n }, (_, i) => event(`0b6c1f7e-0000-4000-8000-${String(i).padStart(12, '0')}`, 'svc'));
    const messages = Array.from({ length: Math.ceil(n / 100) }, (_, i) => msg(events.slice(i * 100, (i + 1) * 100)));
    expect(await recorder.record(messages)).toBe(n);
    expect(sizes.sort((a, b) => b - a)).toEqual([MAX_ROWS_PER_TRANSACTION, MAX_ROWS_PER_TRANSACTION, 10]);
    expect(most).toBe(PARALLEL_TRANSACTIONS);
  });
});
