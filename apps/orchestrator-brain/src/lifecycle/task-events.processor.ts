import { JsMsg, JSONCodec } from 'nats';
import {
  TASK_COMPLETIONS,
  TASK_HEARTBEAT,
  TASK_STARTED,
  TaskCompletionsEvent,
  TaskStartedEvent,
} from '@apiary/contracts';
import { BudgetRepository, SpendItem, TaskRepository } from '@apiary/persistence';
import { contextFromCarrier, SpanKind, withSpan } from '@apiary/telemetry';
import { LifecycleEvent, TaskLifecycle } from './task-lifecycle';

const codec = JSONCodec<unknown>();

type EventsRepository = Pick<TaskRepository, 'transaction'>;

/** Decoded lifecycle event with its task id. */
export interface TaskEventEnvelope {
  taskId: string;
  event: LifecycleEvent;
}

/**
 * Decodes a JetStream message of `APIARY_TASK_EVENTS` into lifecycle events (a
 * completions message holds many).
 * @returns no events for an unknown subject or malformed payload (it is acked and dropped)
 */
export function decodeTaskEvents(msg: Pick<JsMsg, 'subject' | 'data'>): TaskEventEnvelope[] {
  let payload: unknown;
  try {
    payload = codec.decode(msg.data);
  } catch {
    return [];
  }
  if (!payload || typeof payload !== 'object') return [];
  if (msg.subject === TASK_COMPLETIONS) {
    const events = (payload as TaskCompletionsEvent).events;
    if (!Array.isArray(events)) return [];
    return events
      .filter((e) => e && typeof e.task_id === 'string' && Number.isInteger(e.attempt))
      .map((e) => ({ taskId: e.task_id, event: { kind: 'completed', event: e } }));
  }
  const taskId = (payload as { task_id?: unknown }).task_id;
  if (typeof taskId !== 'string') return [];
  switch (msg.subject) {
    case TASK_STARTED:
      return [{ taskId, event: { kind: 'started', event: payload as TaskStartedEvent } }];
    case TASK_HEARTBEAT:
      return [{ taskId, event: { kind: 'heartbeat', event: payload as TaskStartedEvent } }];
    default:
      return [];
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
    let traceparent: string | undefined;
    for (const m of messages) {
      for (const decoded of decodeTaskEvents(m)) {
        const list = byTask.get(decoded.taskId) ?? [];
        list.push(decoded.event);
        byTask.set(decoded.taskId, list);
        if (decoded.event.kind === 'completed') traceparent ??= decoded.event.event.traceparent;
      }
    }
    if (byTask.size === 0) return 0;
    const apply = () =>
      this.repo.transaction(async (tx, em) => {
        const tasks = await tx.lockByIds([...byTask.keys()]);
        const botOf = new Map(tasks.map((t) => [t.id, t.bot_id ?? null]));
        const { updates, transitions } = this.lifecycle.decideMany(tasks, (t) => byTask.get(t.id) ?? [], this.now());
        const applied = await tx.applyUpdates(updates, transitions);
        const appliedSet = new Set(applied);
        // Spend of the attempts applied, into their batch, swarm and workflow budgets;
        // a spent budget cancels its tasks not started (docs/ai-work.md "Budgets").
        const spend: SpendItem[] = [];
        for (const [taskId, events] of byTask) {
          if (!appliedSet.has(taskId)) continue;
          for (const e of events) {
            if (e.kind === 'completed' && typeof e.event.cost_usd === 'number' && e.event.cost_usd > 0) spend.push({ task_id: taskId, cost_usd: e.event.cost_usd });
          }
        }
        if (spend.length > 0) {
          const exceeded = await BudgetRepository.addSpend(em, spend);
          if (exceeded.length > 0) await BudgetRepository.cancelNotStarted(em, exceeded);
        }
        // Fleet counter of bot tasks executed, in the same transaction (GET /bots/stats).
        const executed = updates.filter((u) => u.to_status === 'succeeded' && appliedSet.has(u.id) && botOf.get(u.id)).length;
        await tx.bumpCounter('tasks.executed', executed);
        return applied.length;
      });
    // One span per batch, in the trace of the first completion in it.
    return withSpan('apply task events', apply, {
      kind: SpanKind.CONSUMER,
      parent: traceparent ? contextFromCarrier({ traceparent }) : undefined,
      attributes: { 'apiary.events': messages.length },
    });
  }
}
