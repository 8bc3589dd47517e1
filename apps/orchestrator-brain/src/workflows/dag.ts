import { ApiaryError, WorkflowStepInput } from '@apiary/contracts';

/** How a failed step recovers (seed 000 `_execute_recovery_procedure`). */
export type StepRecovery =
  | { kind: 'task'; type: string; parameters: Record<string, unknown> }
  | { kind: 'retry'; max_attempts: number; delay_ms: number };

/**
 * A step as the brain stores it (`workflow_steps.spec`): normalised at submit, with
 * the run's parameters already merged into `parameters`.
 */
export interface StepSpec {
  id: string;
  type: string;
  bot_id: string | null;
  swarm_id: string | null;
  /** Definition parameters overridden by the run's parameters. */
  parameters: Record<string, unknown>;
  /** Every step this one waits for: `depends_on` ∪ `use_previous_results`, in order, without repeats. */
  depends_on: string[];
  /** Steps whose results are merged into the parameters at start, in order. */
  use_previous_results: string[];
  recovery: StepRecovery | null;
  /** Per-run limit of the step, ms. */
  timeout_ms: number | null;
  /** A bot or swarm step of a type no bot-runtime handler serves: the bot leases it (external capability). */
  external: boolean;
}

/** Throws `INVALID_WORKFLOW` naming a field, e.g. `steps.2.depends_on.0`. */
function invalid(field: string, message: string, extra: Record<string, unknown> = {}): never {
  throw new ApiaryError('INVALID_WORKFLOW', `${field}: ${message}`, { field, ...extra });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a workflow's shape and normalises its steps (pure; types are checked by
 * the caller): unique ids, `type` or `capability` (equal when both), not both
 * `bot_id` and `swarm_id`, recovery with `type` or `retry`, every referenced step
 * exists, and the dependencies form a DAG.
 * @param steps steps as submitted (class-validated)
 * @param runParameters shallow-merged into each step's parameters, overriding them
 * @returns the normalised steps, in submit order
 * @throws ApiaryError `INVALID_WORKFLOW` naming the first bad field (`steps.<i>.<field>`)
 */
export function normaliseSteps(steps: WorkflowStepInput[], runParameters: Record<string, unknown> = {}): StepSpec[] {
  const index = new Map<string, number>();
  steps.forEach((s, i) => {
    if (index.has(s.id)) invalid(`steps.${i}.id`, `duplicate step id "${s.id}" (first at steps.${index.get(s.id)})`);
    index.set(s.id, i);
  });
  const specs = steps.map((s, i): StepSpec => {
    if (s.type !== undefined && s.capability !== undefined && s.type !== s.capability) {
      invalid(`steps.${i}.capability`, 'give type or capability, not both');
    }
    const type = (s.type ?? s.capability) as string;
    if (!type) invalid(`steps.${i}.type`, 'type (or capability) is required');
    if (s.bot_id && s.swarm_id) invalid(`steps.${i}.swarm_id`, 'give bot_id or swarm_id, not both');
    const prev = s.use_previous_results === undefined ? [] : Array.isArray(s.use_previous_results) ? s.use_previous_results : [s.use_previous_results];
    const check = (ref: string, field: string) => {
      if (!index.has(ref)) invalid(field, `unknown step "${ref}"`);
      if (ref === s.id) invalid(field, `step "${ref}" cannot depend on itself`, { cycle: [ref, ref] });
    };
    (s.depends_on ?? []).forEach((ref, j) => check(ref, `steps.${i}.depends_on.${j}`));
    prev.forEach((ref, j) => check(ref, Array.isArray(s.use_previous_results) ? `steps.${i}.use_previous_results.${j}` : `steps.${i}.use_previous_results`));
    let recovery: StepRecovery | null = null;
    if (s.recovery) {
      if (s.recovery.type !== undefined && s.recovery.retry !== undefined) invalid(`steps.${i}.recovery`, 'give type or retry, not both');
      recovery = s.recovery.retry
        ? { kind: 'retry', max_attempts: s.recovery.retry.max_attempts ?? 1, delay_ms: s.recovery.retry.delay_ms ?? 0 }
        : { kind: 'task', type: s.recovery.type as string, parameters: s.recovery.parameters ?? {} };
    }
    return {
      id: s.id,
      type,
      bot_id: s.bot_id ?? null,
      swarm_id: s.swarm_id ?? null,
      parameters: { ...(s.parameters ?? {}), ...runParameters },
      depends_on: [...new Set([...(s.depends_on ?? []), ...prev])],
      use_previous_results: [...new Set(prev)],
      recovery,
      timeout_ms: s.timeout_ms ?? null,
      external: false,
    };
  });
  const cycle = findCycle(specs);
  if (cycle) {
    const i = index.get(cycle[0]) as number;
    invalid(`steps.${i}.depends_on`, `dependency cycle ${cycle.join(' → ')}`, { cycle });
  }
  return specs;
}

/**
 * Finds a dependency cycle (iterative depth-first search, white/grey/black).
 * @returns the step ids around one cycle, first repeated last (e.g. `[a, b, a]`), or null
 */
export function findCycle(steps: Pick<StepSpec, 'id' | 'depends_on'>[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.id, s.depends_on]));
  const colour = new Map<string, 0 | 1 | 2>();
  for (const root of steps) {
    if (colour.get(root.id)) continue;
    const path: string[] = [];
    const stack: { id: string; next: number }[] = [{ id: root.id, next: 0 }];
    colour.set(root.id, 1);
    path.push(root.id);
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const list = deps.get(top.id) ?? [];
      if (top.next >= list.length) {
        colour.set(top.id, 2);
        stack.pop();
        path.pop();
        continue;
      }
      const dep = list[top.next++];
      const c = colour.get(dep) ?? 0;
      if (c === 1) return [...path.slice(path.indexOf(dep)), dep];
      if (c === 0 && deps.has(dep)) {
        colour.set(dep, 1);
        path.push(dep);
        stack.push({ id: dep, next: 0 });
      }
    }
  }
  return null;
}

/**
 * Steps that may start now: `pending` with every dependency `succeeded`, or
 * `retrying` whose delay has passed (pure).
 * @param steps the run's steps with their status and retry time (ms since epoch)
 * @param nowMs current time, ms since epoch
 * @returns their ids, in definition order
 */
export function readySteps(
  steps: { spec: Pick<StepSpec, 'id' | 'depends_on'>; status: string; not_before: number | null }[],
  nowMs: number,
): string[] {
  const status = new Map(steps.map((s) => [s.spec.id, s.status]));
  return steps
    .filter((s) =>
      s.status === 'pending'
        ? s.spec.depends_on.every((d) => status.get(d) === 'succeeded')
        : s.status === 'retrying' && (s.not_before ?? 0) <= nowMs,
    )
    .map((s) => s.spec.id);
}

/**
 * The parameters a step's task receives (seed 000: `parameters.update(results[...])`):
 * the step's parameters, then each result named by `use_previous_results` merged in
 * the order given (later wins). A result that is not a JSON object is merged as
 * `{ <step id>: result }`.
 * @param base the step's parameters (run parameters already merged)
 * @param previous `[step id, result]` in `use_previous_results` order
 */
export function mergeParameters(base: Record<string, unknown>, previous: [string, unknown][]): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [id, result] of previous) {
    if (isRecord(result)) Object.assign(merged, result);
    else merged[id] = result;
  }
  return merged;
}
