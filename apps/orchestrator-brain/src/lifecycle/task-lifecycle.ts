import { TaskCompletedEvent, TaskErrorInfo, TaskStartedEvent, TaskStatus } from '@apiary/contracts';
import type { InFlightTask, TaskUpdate } from '@apiary/persistence';

/** A lifecycle input: an event from a runtime, or an expired lease found by the reaper. */
export type LifecycleEvent =
  | { kind: 'started'; event: TaskStartedEvent }
  | { kind: 'heartbeat'; event: TaskStartedEvent }
  | { kind: 'completed'; event: TaskCompletedEvent }
  | { kind: 'lease_expired'; attempt: number };

/** One recorded transition (what `task_transitions` receives). */
export interface Transition {
  task_id: string;
  from_status: TaskStatus;
  to_status: TaskStatus;
  attempt: number;
  reason: string;
}

/** Tunables of {@link TaskLifecycle}. */
export interface LifecycleConfig {
  /** Lease granted on start and each heartbeat, ms. */
  leaseMs: number;
  /** First retry delay, ms (exponential: base × 2^(attempt−1)). */
  retryBaseMs: number;
  /** Cap of the retry delay, ms. */
  retryMaxMs: number;
}

/** The result of folding events into one task: a collapsed update and its transitions. */
export interface LifecycleDecision {
  update: TaskUpdate;
  transitions: Transition[];
}

const IN_FLIGHT: readonly TaskStatus[] = ['dispatched', 'running'];

/**
 * The task state machine of DESIGN.md "Task lifecycle and guarantees": applies
 * runtime events and expired leases to a task, enforcing exactly-once effect:
 * an event of another attempt than the task's current one, or for a task no
 * longer in flight, changes nothing. Pure: the clock is a parameter.
 */
export class TaskLifecycle {
  /** @param config lease and retry tunables */
  constructor(private readonly config: LifecycleConfig) {}

  /**
   * Retry delay after a failed attempt.
   * @param attempt the attempt that failed (1-based)
   * @returns ms to wait before re-queueing
   */
  backoffMs(attempt: number): number {
    return Math.min(this.config.retryMaxMs, this.config.retryBaseMs * 2 ** Math.max(0, attempt - 1));
  }

  /**
   * Decides for several locked tasks at once.
   * @param tasks locked task rows
   * @param eventsOf the events of one task, in arrival order
   * @param now current time
   * @returns one collapsed update per changed task, and every transition taken
   */
  decideMany(
    tasks: InFlightTask[],
    eventsOf: (task: InFlightTask) => LifecycleEvent[],
    now: Date,
  ): { updates: TaskUpdate[]; transitions: Transition[] } {
    const updates: TaskUpdate[] = [];
    const transitions: Transition[] = [];
    for (const task of tasks) {
      const d = this.decide(task, eventsOf(task), now);
      if (!d) continue;
      updates.push(d.update);
      transitions.push(...d.transitions);
    }
    return { updates, transitions };
  }

  /**
   * Folds events (in arrival order) into one update of `task`.
   * @param task the locked task row
   * @param events events for this task
   * @param now current time
   * @returns the update to apply, or null when every event was stale
   */
  decide(task: InFlightTask, events: LifecycleEvent[], now: Date): LifecycleDecision | null {
    let status = task.status;
    const update: TaskUpdate = {
      id: task.id,
      from_status: task.status,
      to_status: task.status,
      attempt: task.attempts,
      reason: '',
      lease_expires_at: null,
      not_before: null,
    };
    const transitions: Transition[] = [];
    let changed = false;
    const move = (to: TaskStatus, reason: string) => {
      if (to !== status) transitions.push({ task_id: task.id, from_status: status, to_status: to, attempt: task.attempts, reason });
      status = to;
      update.to_status = to;
      update.reason = reason;
      changed = true;
    };
    const lease = () => new Date(now.getTime() + this.config.leaseMs).toISOString();

    for (const e of events) {
      if (!IN_FLIGHT.includes(status)) break;
      const attempt = e.kind === 'lease_expired' ? e.attempt : e.event.attempt;
      if (attempt !== task.attempts) continue; // superseded attempt: refused
      switch (e.kind) {
        case 'started':
        case 'heartbeat':
          update.runner = e.event.runner;
          update.started_at ??= e.event.at;
          update.lease_expires_at = lease();
          move('running', e.kind === 'started' ? 'started' : 'heartbeat');
          break;
        case 'completed': {
          const ev = e.event;
          // A short task reports its start inside the completion: record the step.
          if (status === 'dispatched') move('running', 'started');
          update.runner = ev.runner;
          update.started_at ??= ev.started_at;
          update.lease_expires_at = null;
          if (ev.success) {
            update.result = ev.result ?? null;
            update.error = null;
            update.finished_at = ev.finished_at;
            move('succeeded', 'completed');
          } else {
            this.fail(task, ev.error ?? unknownError(), ev.finished_at, now, update, move);
          }
          break;
        }
        case 'lease_expired':
          this.fail(
            task,
            { code: 'LEASE_EXPIRED', message: `attempt ${attempt} lease expired without a result`, retryable: true },
            now.toISOString(),
            now,
            update,
            move,
            'queued',
          );
          break;
      }
    }
    if (!changed) return null;
    if (update.to_status !== 'running') update.lease_expires_at = null;
    return { update, transitions };
  }

  private fail(
    task: InFlightTask,
    error: TaskErrorInfo,
    finishedAt: string,
    now: Date,
    update: TaskUpdate,
    move: (to: TaskStatus, reason: string) => void,
    retryTo: 'retrying' | 'queued' = 'retrying',
  ): void {
    if (error.deferred) {
      // No provider could be called for want of quota: back to the queue after the
      // wait, and the attempt is not counted (docs/ai-work.md "Rate limits").
      const waitMs = Math.max(1, Math.min(3_600_000, Number(error.retry_after_ms) || 1000));
      update.not_before = new Date(now.getTime() + waitMs).toISOString();
      update.max_attempts_add = 1;
      move('queued', error.code === 'PROVIDER_THROTTLED' ? 'provider_throttled' : 'quota_wait');
      return;
    }
    update.error = error;
    if (error.exhausted) {
      // The handler already spent the retries (every routed service tried): dead letter now.
      update.finished_at = finishedAt;
      move('dead', 'retries_exhausted');
    } else if (!error.retryable) {
      update.finished_at = finishedAt;
      move('failed', 'completed');
    } else if (task.attempts >= task.max_attempts) {
      update.finished_at = finishedAt;
      move('dead', error.code === 'LEASE_EXPIRED' ? 'lease_expired' : 'attempts_exhausted');
    } else if (retryTo === 'queued') {
      move('queued', 'lease_expired');
    } else {
      update.not_before = new Date(now.getTime() + this.backoffMs(task.attempts)).toISOString();
      move('retrying', 'retry_scheduled');
    }
  }
}

function unknownError(): TaskErrorInfo {
  return { code: 'UNKNOWN', message: 'attempt failed without an error', retryable: false };
}
