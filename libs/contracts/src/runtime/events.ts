import { TaskErrorInfo } from '../common/task';

/** JetStream stream of task lifecycle events from bot-runtime (limits retention). */
export const EVENTS_STREAM = 'APIARY_TASK_EVENTS';
/** Subjects of {@link EVENTS_STREAM}. */
export const EVENTS_SUBJECTS = 'apiary.events.task.>';
/** A runtime began an attempt. Payload {@link TaskStartedEvent}. */
export const TASK_STARTED = 'apiary.events.task.started';
/** A runtime is still running an attempt (extends the lease). Payload {@link TaskStartedEvent}. */
export const TASK_HEARTBEAT = 'apiary.events.task.heartbeat';
/** An attempt finished. Payload {@link TaskCompletedEvent}. */
export const TASK_COMPLETED = 'apiary.events.task.completed';
/** Durable consumer through which the brain applies events to task records. */
export const BRAIN_EVENTS_CONSUMER = 'brain-task-events';
/** Durable consumer through which memory records results. */
export const MEMORY_RESULTS_CONSUMER = 'memory-results';

/** Payload of {@link TASK_STARTED} and {@link TASK_HEARTBEAT}. */
export interface TaskStartedEvent {
  task_id: string;
  attempt: number;
  /** Runtime replica id (hostname:pid). */
  runner: string;
  /** ISO-8601. */
  at: string;
}

/** Payload of {@link TASK_COMPLETED} (`Nats-Msg-Id: <task_id>:<attempt>:done`). */
export interface TaskCompletedEvent {
  task_id: string;
  type: string;
  attempt: number;
  success: boolean;
  result: unknown;
  error: TaskErrorInfo | null;
  /** Handler that ran it (e.g. `text.sentiment`). */
  handler: string;
  runner: string;
  started_at: string;
  finished_at: string;
  /** Handler wall time in ms. */
  latency_ms: number;
}
