// Proves deferred completions (no provider callable for want of quota): the task goes back to queued after the
// wait with one more allowed attempt, reason provider_throttled or quota_wait, and never to dead, even on its last attempt.
import { TaskCompletedEvent, TaskErrorInfo } from '@apiary/contracts';
import { InFlightTask } from '@apiary/persistence';
import { LifecycleEvent, TaskLifecycle } from './task-lifecycle';

const now = new Date('2026-01-01T00:00:00.000Z');
const lifecycle = new TaskLifecycle({ leaseMs: 60_000, retryBaseMs: 1000, retryMaxMs: 60_000 });

function task(overrides: Partial<InFlightTask> = {}): InFlightTask {
  return { id: 't1', status: 'running', attempts: 1, max_attempts: 3, ...overrides };
}

function failed(error: TaskErrorInfo, overrides: Partial<TaskCompletedEvent> = {}): LifecycleEvent {
  return {
    kind: 'completed',
    event: {
      task_id: 't1', type: 'llm.chat', attempt: 1, success: false, result: null, error, handler: 'llm.chat',
      runner: 'r1', started_at: '2026-01-01T00:00:00.000Z', finished_at: '2026-01-01T00:00:01.000Z', latency_ms: 1000, ...overrides,
    },
  };
}

const throttled = (retry_after_ms?: number): TaskErrorInfo => ({
  code: 'PROVIDER_THROTTLED', message: 'every provider paused', retryable: true, deferred: true, ...(retry_after_ms !== undefined ? { retry_after_ms } : {}),
});
const quotaWait = (retry_after_ms: number): TaskErrorInfo => ({ code: 'QUOTA_WAIT', message: 'no turn within 5 s', retryable: true, deferred: true, retry_after_ms });

describe('TaskLifecycle: deferred attempts', () => {
  it('moves a running task to queued at now + retry_after_ms with one more attempt, reason provider_throttled', () => {
    const d = lifecycle.decide(task(), [failed(throttled(4000))], now)!;
    expect(d.update).toEqual({
      id: 't1', from_status: 'running', to_status: 'queued', attempt: 1, reason: 'provider_throttled',
      lease_expires_at: null, not_before: '2026-01-01T00:00:04.000Z', max_attempts_add: 1, runner: 'r1', started_at: '2026-01-01T00:00:00.000Z',
    });
    // no error, result or finish time is recorded for an attempt that did not run
    expect(d.update).not.toHaveProperty('error');
    expect(d.update).not.toHaveProperty('finished_at');
    expect(d.transitions).toEqual([{ task_id: 't1', from_status: 'running', to_status: 'queued', attempt: 1, reason: 'provider_throttled' }]);
  });

  it('names a quota wait quota_wait', () => {
    const d = lifecycle.decide(task(), [failed(quotaWait(750))], now)!;
    expect(d.update).toMatchObject({ to_status: 'queued', reason: 'quota_wait', not_before: '2026-01-01T00:00:00.750Z', max_attempts_add: 1 });
  });

  it('never sends a deferred task to dead, even on its last attempt or when marked exhausted', () => {
    const last = lifecycle.decide(task({ attempts: 3 }), [failed(quotaWait(2000), { attempt: 3 })], now)!;
    expect(last.update).toMatchObject({ to_status: 'queued', max_attempts_add: 1, not_before: '2026-01-01T00:00:02.000Z' });
    const exhausted = lifecycle.decide(task({ attempts: 3 }), [failed({ ...throttled(1000), exhausted: true, retryable: false }, { attempt: 3 })], now)!;
    expect(exhausted.update.to_status).toBe('queued');
    // the same failure without `deferred` on the last attempt is dead
    const { deferred: _deferred, ...plain } = quotaWait(2000);
    expect(lifecycle.decide(task({ attempts: 3 }), [failed(plain, { attempt: 3 })], now)!.update.to_status).toBe('dead');
  });

  it('records the running step first when the start arrives inside a deferred completion', () => {
    const d = lifecycle.decide(task({ status: 'dispatched' }), [failed(throttled(1000))], now)!;
    expect(d.transitions.map((t) => [t.from_status, t.to_status, t.reason])).toEqual([
      ['dispatched', 'running', 'started'],
      ['running', 'queued', 'provider_throttled'],
    ]);
  });

  it('bounds the wait: 1 s when none is given, at least 1 ms, at most an hour', () => {
    expect(lifecycle.decide(task(), [failed(throttled())], now)!.update.not_before).toBe('2026-01-01T00:00:01.000Z');
    expect(lifecycle.decide(task(), [failed(throttled(-50))], now)!.update.not_before).toBe('2026-01-01T00:00:00.001Z');
    expect(lifecycle.decide(task(), [failed(throttled(36_000_000))], now)!.update.not_before).toBe('2026-01-01T01:00:00.000Z');
  });

  it('a deferral of a superseded attempt changes nothing', () => {
    expect(lifecycle.decide(task({ attempts: 2 }), [failed(throttled(1000), { attempt: 1 })], now)).toBeNull();
  });
});
