import { TaskCompletedEvent } from '@apiary/contracts';
import { InFlightTask } from '@apiary/persistence';
import { LifecycleEvent, TaskLifecycle } from './task-lifecycle';

const now = new Date('2026-01-01T00:00:00Z');
const lifecycle = new TaskLifecycle({ leaseMs: 60_000, retryBaseMs: 1000, retryMaxMs: 60_000 });

function task(overrides: Partial<InFlightTask> = {}): InFlightTask {
  return { id: 't1', status: 'dispatched', attempts: 1, max_attempts: 3, ...overrides };
}
function completed(overrides: Partial<TaskCompletedEvent> = {}): LifecycleEvent {
  return {
    kind: 'completed',
    event: {
      task_id: 't1', type: 'noop', attempt: 1, success: true, result: { ok: true }, error: null, handler: 'noop',
      runner: 'r1', started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 1000,
      ...overrides,
    },
  };
}
const started: LifecycleEvent = { kind: 'started', event: { task_id: 't1', attempt: 1, runner: 'r1', at: '2026-01-01T00:00:00.000Z' } };

describe('TaskLifecycle', () => {
  it('runs dispatched → running → succeeded, recording both transitions in one update', () => {
    const d = lifecycle.decide(task(), [started, completed()], now)!;
    expect(d.update).toMatchObject({ from_status: 'dispatched', to_status: 'succeeded', result: { ok: true }, lease_expires_at: null });
    expect(d.transitions.map((t) => t.to_status)).toEqual(['running', 'succeeded']);
  });

  it('records the running step when the start arrives inside the completion', () => {
    const d = lifecycle.decide(task(), [completed()], now)!;
    expect(d.update).toMatchObject({ from_status: 'dispatched', to_status: 'succeeded', started_at: '2026-01-01T00:00:00.000Z' });
    expect(d.transitions.map((t) => t.to_status)).toEqual(['running', 'succeeded']);
  });

  it('grants a lease on start', () => {
    const d = lifecycle.decide(task(), [started], now)!;
    expect(d.update.to_status).toBe('running');
    expect(d.update.lease_expires_at).toBe('2026-01-01T00:01:00.000Z');
  });

  it('refuses a result of a superseded attempt', () => {
    expect(lifecycle.decide(task({ attempts: 2 }), [completed({ attempt: 1 })], now)).toBeNull();
  });

  it('ignores a duplicate result once the task is terminal', () => {
    expect(lifecycle.decide(task({ status: 'succeeded' }), [completed()], now)).toBeNull();
    const d = lifecycle.decide(task(), [completed(), completed({ result: { other: 1 } })], now)!;
    expect(d.update.result).toEqual({ ok: true });
    expect(d.transitions.map((t) => t.to_status)).toEqual(['running', 'succeeded']);
  });

  it('schedules a retryable failure with exponential backoff', () => {
    const err = { code: 'HTTP_TIMEOUT', message: 'timeout', retryable: true };
    const d = lifecycle.decide(task({ attempts: 2 }), [completed({ attempt: 2, success: false, error: err })], now)!;
    expect(d.update.to_status).toBe('retrying');
    expect(d.update.not_before).toBe('2026-01-01T00:00:02.000Z');
    expect(lifecycle.backoffMs(1)).toBe(1000);
    expect(lifecycle.backoffMs(3)).toBe(4000);
    expect(lifecycle.backoffMs(30)).toBe(60_000);
  });

  it('sends the last retryable failure to dead and a non-retryable one to failed', () => {
    const retryable = { code: 'X', message: 'x', retryable: true };
    expect(lifecycle.decide(task({ attempts: 3 }), [completed({ attempt: 3, success: false, error: retryable })], now)!.update.to_status).toBe('dead');
    const fatal = { code: 'BAD_INPUT', message: 'bad', retryable: false };
    expect(lifecycle.decide(task(), [completed({ success: false, error: fatal })], now)!.update).toMatchObject({ to_status: 'failed', error: fatal });
  });

  it('sends a failure whose retries the handler already spent straight to dead, even on the first attempt', () => {
    const exhausted = { code: 'ALL_SERVICES_FAILED', message: 'a, b failed', retryable: false, exhausted: true };
    const d = lifecycle.decide(task(), [completed({ success: false, error: exhausted })], now)!;
    expect(d.update).toMatchObject({ to_status: 'dead', error: exhausted });
    expect(d.transitions.at(-1)).toMatchObject({ to_status: 'dead', reason: 'retries_exhausted' });
  });

  it('re-queues an expired lease, or kills the task after its last attempt', () => {
    expect(lifecycle.decide(task({ status: 'running' }), [{ kind: 'lease_expired', attempt: 1 }], now)!.update.to_status).toBe('queued');
    expect(lifecycle.decide(task({ status: 'running', attempts: 3 }), [{ kind: 'lease_expired', attempt: 3 }], now)!.update.to_status).toBe('dead');
  });
});
