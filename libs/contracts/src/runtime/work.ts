import { PriorityLevel } from '../common/task';

/** JetStream stream holding work for bot-runtime (work-queue retention). */
export const WORK_STREAM = 'APIARY_WORK';
/** Subjects of {@link WORK_STREAM}. */
export const WORK_SUBJECTS = 'apiary.work.>';

/**
 * Lane of a task type: JetStream tokens cannot hold `.`, so `text.sentiment`
 * becomes `text_sentiment`.
 * @param taskType task type
 */
export function laneOf(taskType: string): string {
  return taskType.replace(/[.*>\s]/g, '_');
}

/** @returns the work subject of a lane, `apiary.work.<lane>`. */
export function workSubject(lane: string): string {
  return `apiary.work.${lane}`;
}

/** Durable consumer shared by all runtime replicas serving a lane. */
export function workConsumerName(lane: string): string {
  return `runtime-${lane}`;
}

/**
 * Message published on a work subject (header `Nats-Msg-Id: <task_id>:<attempt>`).
 * Trace context travels in the `traceparent` header.
 */
export interface WorkMessage {
  task_id: string;
  type: string;
  data: Record<string, unknown>;
  /** 1-based attempt number; a result is recorded once per (task_id, attempt). */
  attempt: number;
  priority: PriorityLevel;
  score: number;
  /** Time the brain published it (ISO-8601). */
  dispatched_at: string;
  /**
   * bot-runtime handler that runs it when it is not the type itself: `http` for a
   * capability served by registered services (lane {@link SERVICE_LANE}).
   */
  handler?: string;
  /** Memory context to hand the handler (`apiary.memory.contexts.get`). */
  context_id?: string;
  /** Bot and swarm the task is assigned to (recorded with the result). */
  bot_id?: string;
  swarm_id?: string;
  /** Id of the API key that submitted the task (recorded with the result, for costs by `api_key`). */
  api_key?: string;
}

/**
 * Lane of every task whose type is a capability of registered HTTP services
 * (issue 4): bot-runtime's `http` handler asks the router for a route per attempt.
 */
export const SERVICE_LANE = 'service';
