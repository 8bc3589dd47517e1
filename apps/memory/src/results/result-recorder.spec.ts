import { JsMsg, JSONCodec } from 'nats';
import { TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';
import type { ServiceStatSample, TaskResultRow } from '@apiary/persistence';
import { ResultRecorder, statSamples, toResultRow } from './result-recorder';

describe('toResultRow', () => {
  const event: TaskCompletedEvent = {
    task_id: '0b6c1f7e-0000-4000-8000-000000000001', type: 'noop', attempt: 2, success: false, result: null,
    error: { code: 'HTTP_TIMEOUT', message: 'timed out', retryable: true }, handler: 'http', runner: 'r1',
    started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 1000,
  };

  it('keeps attempt, error code and latency', () => {
    expect(toResultRow(event)).toMatchObject({ attempt: 2, error_code: 'HTTP_TIMEOUT', latency_ms: 1000, success: false });
  });

  it('drops malformed events', () => {
    expect(toResultRow({ ...event, attempt: 1.5 })).toBeUndefined();
    expect(toResultRow({ ...event, task_id: 5 as unknown as string })).toBeUndefined();
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
      { task_type: 'email_campaign', service: 'email-ai', success: false, latency_ms: 30, at: base.finished_at },
      { task_type: 'email_campaign', service: 'content-ai', success: true, latency_ms: 200, at: base.finished_at },
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
});
