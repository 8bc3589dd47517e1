import { randomUUID } from 'node:crypto';
import type { TaskErrorInfo, TaskStatus, WorkflowStatus, WorkflowStepStatus } from '@apiary/contracts';
import { mergeParameters, readySteps, StepSpec } from './dag';

/** A step of a run in memory. Times are ms since epoch. */
export interface StepState {
  spec: StepSpec;
  status: WorkflowStepStatus;
  /** Runs of the step's own task (or fan-out) so far. */
  attempts: number;
  task_id: string | null;
  batch_id: string | null;
  parameters: Record<string, unknown> | null;
  result: unknown;
  error: TaskErrorInfo | null;
  recovered: boolean;
  not_before: number | null;
  deadline_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  /** Changed by the engine since loaded (to be written). */
  dirty?: boolean;
}

/** A run in memory. Times are ms since epoch. */
export interface RunState {
  id: string;
  status: WorkflowStatus;
  failed_step: string | null;
  error: TaskErrorInfo | null;
  finished_at: number | null;
  steps: StepState[];
  dirty?: boolean;
}

/**
 * A run as it starts: every step `pending`, nothing run yet.
 * @param id run id
 * @param specs the run's normalised steps (dag.ts `normaliseSteps`)
 * @returns the in-memory state the engine advances
 */
export function newRunState(id: string, specs: StepSpec[]): RunState {
  return {
    id,
    status: 'running',
    failed_step: null,
    error: null,
    finished_at: null,
    steps: specs.map((spec) => ({
      spec,
      status: 'pending',
      attempts: 0,
      task_id: null,
      batch_id: null,
      parameters: null,
      result: null,
      error: null,
      recovered: false,
      not_before: null,
      deadline_at: null,
      started_at: null,
      finished_at: null,
    })),
  };
}

/** Something that ended for a step: its task (or recovery task), or its swarm batch. */
export type StepEvent =
  | { kind: 'task'; step_id: string; task_id: string; status: TaskStatus; result: unknown; error: TaskErrorInfo | null }
  | { kind: 'batch'; step_id: string; batch_id: string; total: number; failed: number; result: unknown }
  /** The step's task could not be created (bot retired since submit, bad data after merging, ...). */
  | { kind: 'start_failed'; step_id: string; error: TaskErrorInfo };

/** A task (or swarm fan-out) to create for a step. */
export interface StepStart {
  step_id: string;
  /** `step`: the step's own task or fan-out; `recovery`: its recovery task. */
  role: 'step' | 'recovery';
  /** Id of the task to create (null for a fan-out). */
  task_id: string | null;
  /** Id of the fan-out batch to create (swarm steps). */
  batch_id: string | null;
  type: string;
  parameters: Record<string, unknown>;
}

/** What to do after {@link WorkflowEngine.apply} or {@link WorkflowEngine.cancel}. */
export interface EngineDecision {
  starts: StepStart[];
  /** Tasks to cancel if still queued (existing cancel semantics: in-flight ones finish, their result is ignored). */
  cancelTasks: string[];
  /** Swarm batches whose queued tasks to cancel. */
  cancelBatches: string[];
}

const ACTIVE: readonly WorkflowStepStatus[] = ['running', 'recovering'];

/**
 * The workflow state machine (seed 000 `_execute_cross_bot_workflow`, as a DAG):
 * applies ended tasks to a run's steps and decides which steps start. Pure: the
 * clock is a parameter and ids come from an injected source, so it is unit-tested
 * without I/O. The caller holds the run's row lock while applying, and writes the
 * dirty steps, the run and the new tasks in the same transaction.
 *
 * Rules: a step starts when every dependency succeeded, with its parameters merged
 * with the results named by `use_previous_results`. A failed step (task failed,
 * dead, cancelled or timed out; swarm batch with a failed task; or past
 * `timeout_ms`) is re-run by a `retry` recovery (up to `max_attempts` more runs,
 * after `delay_ms`), or runs its recovery task, whose success stands in for the
 * step (`recovered`); otherwise the run fails: `failed_step`, `error`, steps not
 * started `skipped`, steps still running `cancelled` (their queued tasks are
 * cancelled). Events of superseded tasks change nothing (idempotent).
 */
export class WorkflowEngine {
  /** @param newId id source of new tasks and batches */
  constructor(private readonly newId: () => string = randomUUID) {}

  /**
   * Applies events (and deadlines passed at `nowMs`) to a run and starts what is ready.
   * @param run the locked run with all its steps (mutated; changed parts marked dirty)
   * @param events ended tasks and batches of this run, in any order
   * @param nowMs current time, ms since epoch
   */
  apply(run: RunState, events: StepEvent[], nowMs: number): EngineDecision {
    const decision: EngineDecision = { starts: [], cancelTasks: [], cancelBatches: [] };
    if (run.status !== 'running') return decision;
    const byId = new Map(run.steps.map((s) => [s.spec.id, s]));
    const recoveries: StepState[] = [];
    const failAttempt = (step: StepState, error: TaskErrorInfo) => {
      step.dirty = true;
      step.error = error;
      const r = step.spec.recovery;
      if (r?.kind === 'retry' && step.attempts < 1 + r.max_attempts) {
        step.status = 'retrying';
        step.not_before = nowMs + r.delay_ms;
        step.deadline_at = null;
      } else if (r?.kind === 'task') {
        step.status = 'recovering';
        recoveries.push(step);
      } else {
        this.failRun(run, step, error, nowMs, decision);
      }
    };

    for (const e of events) {
      if (run.status !== 'running') break;
      const step = byId.get(e.step_id);
      if (!step || !ACTIVE.includes(step.status)) continue;
      if (e.kind === 'start_failed') {
        if (step.status === 'recovering') this.recoveryFailed(run, step, e.error, nowMs, decision);
        else failAttempt(step, e.error);
      } else if (e.kind === 'task') {
        if (e.task_id !== step.task_id) continue; // a superseded task: refused
        if (e.status === 'succeeded') {
          this.succeed(step, e.result, step.status === 'recovering', nowMs);
        } else if (!['failed', 'dead', 'cancelled', 'timed_out'].includes(e.status)) {
          continue;
        } else {
          const error = e.error ?? { code: `TASK_${e.status.toUpperCase()}`, message: `the step's task ended ${e.status}`, retryable: false };
          if (step.status === 'recovering') this.recoveryFailed(run, step, error, nowMs, decision);
          else failAttempt(step, error);
        }
      } else {
        if (e.batch_id !== step.batch_id || step.status !== 'running') continue;
        if (e.failed === 0) this.succeed(step, e.result, false, nowMs);
        else {
          failAttempt(step, {
            code: 'SWARM_TASKS_FAILED',
            message: `${e.failed} of ${e.total} tasks of the swarm fan-out failed`,
            retryable: false,
          });
        }
      }
    }
    // Deadlines.
    for (const step of run.steps) {
      if (run.status !== 'running') break;
      if (!ACTIVE.includes(step.status) || step.deadline_at === null || step.deadline_at > nowMs) continue;
      if (step.task_id) decision.cancelTasks.push(step.task_id);
      if (step.batch_id && step.status === 'running') decision.cancelBatches.push(step.batch_id);
      const error: TaskErrorInfo = { code: 'STEP_TIMEOUT', message: `step ${step.spec.id} took longer than ${step.spec.timeout_ms} ms`, retryable: true };
      if (step.status === 'recovering') this.recoveryFailed(run, step, error, nowMs, decision);
      else failAttempt(step, error);
    }
    if (run.status !== 'running') return decision;

    for (const step of recoveries) {
      if (step.status !== 'recovering') continue;
      const r = step.spec.recovery as Extract<StepSpec['recovery'], { kind: 'task' }>;
      const parameters = { ...r.parameters, recovery_of: { step_id: step.spec.id, error: step.error } };
      step.task_id = this.newId();
      step.deadline_at = step.spec.timeout_ms === null ? null : nowMs + step.spec.timeout_ms;
      decision.starts.push({ step_id: step.spec.id, role: 'recovery', task_id: step.task_id, batch_id: null, type: r.type, parameters });
    }
    for (const id of readySteps(run.steps, nowMs)) {
      const step = byId.get(id) as StepState;
      const previous = step.spec.use_previous_results.map((p): [string, unknown] => [p, (byId.get(p) as StepState).result]);
      step.dirty = true;
      step.status = 'running';
      step.attempts += 1;
      step.parameters = mergeParameters(step.spec.parameters, previous);
      step.task_id = step.spec.swarm_id ? null : this.newId();
      step.batch_id = step.spec.swarm_id ? this.newId() : null;
      step.not_before = null;
      step.started_at ??= nowMs;
      step.deadline_at = step.spec.timeout_ms === null ? null : nowMs + step.spec.timeout_ms;
      decision.starts.push({ step_id: id, role: 'step', task_id: step.task_id, batch_id: step.batch_id, type: step.spec.type, parameters: step.parameters });
    }
    if (run.steps.every((s) => s.status === 'succeeded')) {
      run.status = 'succeeded';
      run.finished_at = nowMs;
      run.dirty = true;
    }
    return decision;
  }

  /**
   * Cancels a running run: steps running or recovering are `cancelled` (their queued
   * tasks and fan-out tasks are cancelled; in-flight ones finish unheeded), steps not
   * started are `cancelled`. A finished run is left as it is.
   * @returns the tasks and batches to cancel
   */
  cancel(run: RunState, nowMs: number): EngineDecision {
    const decision: EngineDecision = { starts: [], cancelTasks: [], cancelBatches: [] };
    if (run.status !== 'running') return decision;
    for (const step of run.steps) {
      if (['succeeded', 'failed', 'skipped', 'cancelled'].includes(step.status)) continue;
      this.stopStep(step, 'cancelled', nowMs, decision);
    }
    run.status = 'cancelled';
    run.finished_at = nowMs;
    run.dirty = true;
    return decision;
  }

  private succeed(step: StepState, result: unknown, recovered: boolean, nowMs: number): void {
    step.status = 'succeeded';
    step.result = result ?? null;
    step.recovered = recovered;
    if (!recovered) step.error = null;
    step.finished_at = nowMs;
    step.deadline_at = null;
    step.dirty = true;
  }

  private recoveryFailed(run: RunState, step: StepState, recoveryError: TaskErrorInfo, nowMs: number, decision: EngineDecision): void {
    const original = step.error ?? recoveryError;
    const error: TaskErrorInfo = {
      ...original,
      message: `${original.message} (recovery task failed: ${recoveryError.code}: ${recoveryError.message})`,
    };
    this.failRun(run, step, error, nowMs, decision);
  }

  private failRun(run: RunState, step: StepState, error: TaskErrorInfo, nowMs: number, decision: EngineDecision): void {
    step.status = 'failed';
    step.error = error;
    step.finished_at = nowMs;
    step.deadline_at = null;
    step.dirty = true;
    run.status = 'failed';
    run.failed_step = step.spec.id;
    run.error = error;
    run.finished_at = nowMs;
    run.dirty = true;
    for (const other of run.steps) {
      if (other === step) continue;
      if (ACTIVE.includes(other.status)) this.stopStep(other, 'cancelled', nowMs, decision);
      else if (other.status === 'pending' || other.status === 'retrying') this.stopStep(other, 'skipped', nowMs, decision);
    }
  }

  private stopStep(step: StepState, status: 'cancelled' | 'skipped', nowMs: number, decision: EngineDecision): void {
    if (ACTIVE.includes(step.status)) {
      if (step.task_id) decision.cancelTasks.push(step.task_id);
      if (step.batch_id) decision.cancelBatches.push(step.batch_id);
      step.finished_at = nowMs;
    }
    step.status = status;
    step.deadline_at = null;
    step.not_before = null;
    step.dirty = true;
  }
}
