import { WorkflowStepInput } from '@apiary/contracts';
import { normaliseSteps } from './dag';
import { newRunState, RunState, StepEvent, WorkflowEngine } from './workflow-engine';

function run(steps: WorkflowStepInput[], params: Record<string, unknown> = {}): RunState {
  return newRunState('run-1', normaliseSteps(steps, params));
}

/** Engine with ids t1, t2, ... */
function engine(): WorkflowEngine {
  let n = 0;
  return new WorkflowEngine(() => `t${++n}`);
}

const stepOf = (r: RunState, id: string) => r.steps.find((s) => s.spec.id === id)!;
const done = (r: RunState, id: string, result: unknown): Extract<StepEvent, { kind: 'task' }> => ({ kind: 'task', step_id: id, task_id: stepOf(r, id).task_id!, status: 'succeeded', result, error: null });
const failed = (r: RunState, id: string, code = 'BOOM'): StepEvent => ({
  kind: 'task', step_id: id, task_id: stepOf(r, id).task_id!, status: 'failed', result: null, error: { code, message: `${code}!`, retryable: false },
});

describe('WorkflowEngine', () => {
  it('runs a diamond: parallel middle steps, the last one gets both results merged', () => {
    const r = run([
      { id: 'a', type: 'noop', parameters: { q: 1 } },
      { id: 'b', type: 'noop', use_previous_results: 'a' },
      { id: 'c', type: 'noop', depends_on: ['a'] },
      { id: 'd', type: 'noop', use_previous_results: ['b', 'c'] },
    ]);
    const e = engine();
    let d = e.apply(r, [], 0);
    expect(d.starts.map((s) => [s.step_id, s.task_id])).toEqual([['a', 't1']]);
    d = e.apply(r, [done(r, 'a', { from_a: 1 })], 10);
    expect(d.starts.map((s) => s.step_id)).toEqual(['b', 'c']);
    expect(d.starts[0].parameters).toEqual({ from_a: 1 });
    d = e.apply(r, [done(r, 'c', { from_c: 3, k: 'c' })], 20);
    expect(d.starts).toEqual([]);
    d = e.apply(r, [done(r, 'b', { from_b: 2, k: 'b' })], 30);
    expect(d.starts).toHaveLength(1);
    expect(d.starts[0]).toMatchObject({ step_id: 'd', role: 'step', parameters: { from_b: 2, from_c: 3, k: 'c' } });
    e.apply(r, [done(r, 'd', { ok: true })], 40);
    expect(r).toMatchObject({ status: 'succeeded', finished_at: 40 });
    expect(stepOf(r, 'b')).toMatchObject({ status: 'succeeded', started_at: 10, finished_at: 30, attempts: 1 });
  });

  it('ignores a duplicate completion and one of a superseded task', () => {
    const r = run([{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop', depends_on: ['a'] }]);
    const e = engine();
    e.apply(r, [], 0);
    const ev = done(r, 'a', {});
    expect(e.apply(r, [ev], 1).starts).toHaveLength(1);
    expect(e.apply(r, [ev], 2).starts).toEqual([]);
    expect(e.apply(r, [{ ...done(r, 'b', {}), task_id: 'other' }], 3).starts).toEqual([]);
    expect(stepOf(r, 'b').status).toBe('running');
  });

  it('fails the run without recovery: failed_step, error, others skipped or cancelled', () => {
    const r = run([{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop' }, { id: 'c', type: 'noop', depends_on: ['a', 'b'] }]);
    const e = engine();
    e.apply(r, [], 0);
    const bTask = stepOf(r, 'b').task_id;
    const d = e.apply(r, [failed(r, 'a')], 5);
    expect(r).toMatchObject({ status: 'failed', failed_step: 'a', error: { code: 'BOOM' }, finished_at: 5 });
    expect(r.steps.map((s) => s.status)).toEqual(['failed', 'cancelled', 'skipped']);
    expect(d.cancelTasks).toEqual([bTask]);
    // Later events change nothing.
    expect(e.apply(r, [done(r, 'b', {})], 6)).toEqual({ starts: [], cancelTasks: [], cancelBatches: [] });
    expect(stepOf(r, 'b').status).toBe('cancelled');
  });

  it('runs the recovery task; its success stands in for the step', () => {
    const r = run([{ id: 'a', type: 'noop', recovery: { type: 'fix', parameters: { how: 'gently' } } }, { id: 'b', type: 'noop', use_previous_results: 'a' }]);
    const e = engine();
    e.apply(r, [], 0);
    let d = e.apply(r, [failed(r, 'a')], 1);
    expect(stepOf(r, 'a').status).toBe('recovering');
    expect(d.starts).toEqual([
      { step_id: 'a', role: 'recovery', task_id: 't2', batch_id: null, type: 'fix', parameters: { how: 'gently', recovery_of: { step_id: 'a', error: { code: 'BOOM', message: 'BOOM!', retryable: false } } } },
    ]);
    d = e.apply(r, [done(r, 'a', { fixed: true })], 2);
    expect(stepOf(r, 'a')).toMatchObject({ status: 'succeeded', recovered: true, result: { fixed: true } });
    expect(d.starts[0]).toMatchObject({ step_id: 'b', parameters: { fixed: true } });
  });

  it('fails the run when the recovery task fails, with the step error', () => {
    const r = run([{ id: 'a', type: 'noop', recovery: { type: 'fix' } }]);
    const e = engine();
    e.apply(r, [], 0);
    e.apply(r, [failed(r, 'a', 'FIRST')], 1);
    e.apply(r, [failed(r, 'a', 'SECOND')], 2);
    expect(r).toMatchObject({ status: 'failed', failed_step: 'a', error: { code: 'FIRST' } });
    expect(r.error!.message).toMatch(/recovery task failed: SECOND/);
  });

  it('retries a step up to max_attempts more runs, after delay_ms', () => {
    const r = run([{ id: 'a', type: 'noop', recovery: { retry: { max_attempts: 2, delay_ms: 100 } } }]);
    const e = engine();
    e.apply(r, [], 0);
    expect(e.apply(r, [failed(r, 'a')], 10).starts).toEqual([]);
    expect(stepOf(r, 'a')).toMatchObject({ status: 'retrying', not_before: 110 });
    expect(e.apply(r, [], 109).starts).toEqual([]);
    expect(e.apply(r, [], 110).starts).toMatchObject([{ step_id: 'a', task_id: 't2' }]);
    e.apply(r, [failed(r, 'a')], 120);
    e.apply(r, [], 220);
    expect(stepOf(r, 'a')).toMatchObject({ status: 'running', attempts: 3, task_id: 't3' });
    e.apply(r, [failed(r, 'a')], 230);
    expect(r).toMatchObject({ status: 'failed', failed_step: 'a' });
  });

  it('fails a step past its timeout and cancels its task', () => {
    const r = run([{ id: 'a', type: 'noop', timeout_ms: 50 }]);
    const e = engine();
    e.apply(r, [], 0);
    expect(stepOf(r, 'a').deadline_at).toBe(50);
    expect(e.apply(r, [], 49).cancelTasks).toEqual([]);
    const d = e.apply(r, [], 50);
    expect(d.cancelTasks).toEqual(['t1']);
    expect(r).toMatchObject({ status: 'failed', error: { code: 'STEP_TIMEOUT' } });
  });

  it('treats a swarm step as one step: success when no fan-out task failed', () => {
    const swarm = '00000000-0000-4000-8000-00000000000a';
    const r = run([{ id: 'fan', type: 'noop', swarm_id: swarm }, { id: 'after', type: 'noop', use_previous_results: 'fan' }]);
    const e = engine();
    const d = e.apply(r, [], 0);
    expect(d.starts).toEqual([{ step_id: 'fan', role: 'step', task_id: null, batch_id: 't1', type: 'noop', parameters: {} }]);
    const next = e.apply(r, [{ kind: 'batch', step_id: 'fan', batch_id: 't1', total: 3, failed: 0, result: { count: 3 } }], 1);
    expect(next.starts[0].parameters).toEqual({ count: 3 });
    const r2 = run([{ id: 'fan', type: 'noop', swarm_id: swarm }]);
    e.apply(r2, [], 0);
    const batch = stepOf(r2, 'fan').batch_id!;
    e.apply(r2, [{ kind: 'batch', step_id: 'fan', batch_id: batch, total: 3, failed: 1, result: {} }], 1);
    expect(r2).toMatchObject({ status: 'failed', error: { code: 'SWARM_TASKS_FAILED', message: '1 of 3 tasks of the swarm fan-out failed' } });
  });

  it('feeds a start failure back like a failed attempt', () => {
    const r = run([{ id: 'a', type: 'noop', recovery: { retry: { max_attempts: 1 } } }]);
    const e = engine();
    e.apply(r, [], 0);
    const d = e.apply(r, [{ kind: 'start_failed', step_id: 'a', error: { code: 'BOT_RETIRED', message: 'gone', retryable: false } }], 1);
    expect(d.starts).toHaveLength(1);
    e.apply(r, [{ kind: 'start_failed', step_id: 'a', error: { code: 'BOT_RETIRED', message: 'gone', retryable: false } }], 2);
    expect(r).toMatchObject({ status: 'failed', error: { code: 'BOT_RETIRED' } });
  });

  it('cancels pending and running steps; a finished run stays as it is', () => {
    const r = run([{ id: 'a', type: 'noop' }, { id: 'b', type: 'noop', depends_on: ['a'] }]);
    const e = engine();
    e.apply(r, [], 0);
    const d = e.cancel(r, 5);
    expect(d.cancelTasks).toEqual(['t1']);
    expect(r.status).toBe('cancelled');
    expect(r.steps.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(e.cancel(r, 6).cancelTasks).toEqual([]);
  });
});
