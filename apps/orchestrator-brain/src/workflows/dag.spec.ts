import { ApiaryError, WorkflowStepInput } from '@apiary/contracts';
import { findCycle, mergeParameters, normaliseSteps, readySteps } from './dag';

const step = (id: string, extra: Partial<WorkflowStepInput> = {}): WorkflowStepInput => ({ id, type: 'noop', ...extra });

function errorOf(fn: () => unknown): ApiaryError {
  try {
    fn();
  } catch (e) {
    return e as ApiaryError;
  }
  throw new Error('did not throw');
}

describe('normaliseSteps', () => {
  it('normalises a diamond: use_previous_results implies dependencies, run parameters override', () => {
    const specs = normaliseSteps(
      [
        step('a', { parameters: { x: 1, region: 'eu' } }),
        step('b', { depends_on: ['a'] }),
        step('c', { use_previous_results: 'a' }),
        step('d', { capability: 'noop', type: undefined, depends_on: ['b'], use_previous_results: ['b', 'c'], recovery: { retry: {} } }),
      ],
      { region: 'us' },
    );
    expect(specs.map((s) => [s.id, s.depends_on])).toEqual([['a', []], ['b', ['a']], ['c', ['a']], ['d', ['b', 'c']]]);
    expect(specs[0].parameters).toEqual({ x: 1, region: 'us' });
    expect(specs[3]).toMatchObject({ type: 'noop', use_previous_results: ['b', 'c'], recovery: { kind: 'retry', max_attempts: 1, delay_ms: 0 } });
    expect(specs[2].use_previous_results).toEqual(['a']);
  });

  it.each([
    ['a duplicate id', [step('a'), step('a')], 'steps.1.id'],
    ['an unknown depends_on', [step('a'), step('b', { depends_on: ['a', 'zz'] })], 'steps.1.depends_on.1'],
    ['an unknown use_previous_results', [step('a', { use_previous_results: 'nope' })], 'steps.0.use_previous_results'],
    ['a self dependency', [step('a', { depends_on: ['a'] })], 'steps.0.depends_on.0'],
    ['bot and swarm', [step('a', { bot_id: '00000000-0000-4000-8000-000000000001', swarm_id: '00000000-0000-4000-8000-000000000002' })], 'steps.0.swarm_id'],
    ['different type and capability', [step('a', { capability: 'sleep' })], 'steps.0.capability'],
    ['recovery with type and retry', [step('a', { recovery: { type: 'noop', retry: {} } })], 'steps.0.recovery'],
  ])('refuses %s naming the field', (_what, steps, field) => {
    const e = errorOf(() => normaliseSteps(steps));
    expect(e).toBeInstanceOf(ApiaryError);
    expect(e.code).toBe('INVALID_WORKFLOW');
    expect(e.message.startsWith(`${field}: `)).toBe(true);
    expect((e.details as { field: string }).field).toBe(field);
  });

  it('refuses a cycle, naming a step on it and the path', () => {
    const e = errorOf(() => normaliseSteps([step('a'), step('b', { depends_on: ['a', 'd'] }), step('c', { depends_on: ['b'] }), step('d', { depends_on: ['c'] })]));
    expect(e.code).toBe('INVALID_WORKFLOW');
    expect(e.message).toMatch(/^steps\.\d\.depends_on: dependency cycle (b → d → c → b|d → c → b → d|c → b → d → c)$/);
  });
});

describe('findCycle', () => {
  it('finds none in a DAG and one in a loop', () => {
    expect(findCycle([{ id: 'a', depends_on: [] }, { id: 'b', depends_on: ['a'] }, { id: 'c', depends_on: ['a', 'b'] }])).toBeNull();
    expect(findCycle([{ id: 'a', depends_on: ['b'] }, { id: 'b', depends_on: ['a'] }])).toEqual(['a', 'b', 'a']);
  });
});

describe('readySteps', () => {
  const s = (id: string, status: string, depends_on: string[] = [], not_before: number | null = null) => ({ spec: { id, depends_on }, status, not_before });

  it('starts pending steps whose dependencies all succeeded, and retries that are due', () => {
    const steps = [
      s('a', 'succeeded'),
      s('b', 'running', ['a']),
      s('c', 'pending', ['a']),
      s('d', 'pending', ['b', 'c']),
      s('e', 'retrying', [], 1000),
      s('f', 'retrying', [], 5000),
    ];
    expect(readySteps(steps, 2000)).toEqual(['c', 'e']);
    steps[1].status = 'succeeded';
    steps[2].status = 'succeeded';
    expect(readySteps(steps, 5000)).toEqual(['d', 'e', 'f']);
  });
});

describe('mergeParameters', () => {
  it('merges object results in order (later wins) and others under the step id', () => {
    expect(mergeParameters({ a: 1, k: 'base' }, [['s1', { k: 'one', x: 1 }], ['s2', { k: 'two' }], ['s3', [1, 2]], ['s4', 7]])).toEqual({
      a: 1,
      k: 'two',
      x: 1,
      s3: [1, 2],
      s4: 7,
    });
  });
});
