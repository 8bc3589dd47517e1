import { JsMsg, JSONCodec } from 'nats';
import {
  TASK_COMPLETED,
  TASK_HEARTBEAT,
  TASK_STARTED,
  TaskCompletedEvent,
  TaskStartedEvent,
} from '@apiary/contracts';
import type { TaskRepository, TaskUpdate, TransitionRow } from '@apiary/persistence';
import { extractTraceContext, SpanKind, withSpan } from '@apiary/telemetry';
import { LifecycleEvent, TaskLifecycle } from './task-lifecycle';

const codec = JSONCodec<unknown>();

type EventsRepository = Pick<TaskRepository, 'transaction'>;

/** Decoded lifecycle event with its task id. */
export interface TaskEventEnvelope {
  taskId: string;
  event: LifecycleEvent;
}

/**
 * Decodes a JetStream message of `APIARY_TASK_EVENTS` into a lifecycle event.
 * @returns undefined for an unknown subject or malformed payload (it is acked and dropped)
 */
export function decodeTaskEvent(msg: Pick<JsMsg, 'subject' | 'data'>): TaskEventEnvelope | undefined {
  let payload: unknown;
  try {
    payload = codec.decode(msg.data);
  } catch {
    return undefined;
  }
  if (!payload || typeof payload !== 'object' || typeof (payload as { task_id?: unknown }).task_id !== 'string') {
    return undefined;
  }
  const taskId = (payload as { task_id: string }).task_id;
  switch (msg.subject) {
    case TASK_STARTED:
      return { taskId, event: { kind: 'started', event: payload as TaskStartedEvent } };
    case TASK_HEARTBEAT:
      return { taskId, event: { kind: 'heartbeat', event: payload as TaskStartedEvent } };
    case TASK_COMPLETED:
      return { taskId, event: { kind: 'completed', event: payload as TaskCompletedEvent } };
    default:
      return undefined;
  }
}

/**
 * Applies a batch of runtime events to task records in one transaction: lock the
 * tasks, fold each task's events through {@link TaskLifecycle}, write all updates
 * and transitions in one statement. Duplicates and superseded attempts change
 * nothing (exactly-once effect).
 */
export class TaskEventsProcessor {
  /**
   * @param repo task storage
   * @param lifecycle state machine
   * @param now clock
   */
  constructor(
    private readonly repo: EventsRepository,
    private readonly lifecycle: TaskLifecycle,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * @param messages JetStream messages (acked by the caller when this resolves)
   * @returns number of tasks updated
   */
  async process(messages: JsMsg[]): Promise<number> {
    const byTask = new Map<string, LifecycleEvent[]>();
    for (const m of messages) {
      const decoded = decodeTaskEvent(m);
      if (!decoded) continue;
      const list = byTask.get(decoded.taskId) ?? [];
      list.push(decoded.event);
      byTask.set(decoded.taskId, list);
    }
    if (byTask.size === 0) return 0;
    const completions = messages.filter((m) => m.subject === TASK_COMPLETED);
    const apply = () =>
      this.repo.transaction(async (tx) => {
        const tasks = await tx.lockByIds([...byTask.keys()]);
        const updates: TaskUpdate[] = [];
        const transitions: TransitionRow[] = [];
        const botOf = new Map(tasks.map((t) => [t.id, t.bot_id ?? null]));
        const now = this.now();
        for (const task of tasks) {
          const decision = this.lifecycle.decide(task, byTask.get(task.id) ?? [], now);
          if (!decision) continue;
          updates.push(decision.update);
          transitions.push(...decision.transitions);
        }
        const applied = await tx.applyUpdates(updates, transitions);
        // Fleet counter of bot tasks executed, in the same transaction (GET /bots/stats).
        const appliedSet = new Set(applied);
        const executed = updates.filter((u) => u.to_status === 'succeeded' && appliedSet.has(u.id) && botOf.get(u.id)).length;
        await tx.bumpCounter('tasks.executed', executed);
        return applied.length;
      });
    // One span per batch, linked into the trace of the first completion in it.
    const first = completions[0];
    return withSpan('apply task events', apply, {
      kind: SpanKind.CONSUMER,
      parent: first ? extractTraceContext(first.headers) : undefined,
      attributes: { 'apiary.events': messages.length },
    });
  }
}
