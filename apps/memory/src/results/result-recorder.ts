import { JsMsg, JSONCodec } from 'nats';
import { TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';
import type { TaskResultRepository, TaskResultRow } from '@apiary/persistence';
import { contextFromCarrier, SpanKind, withSpan } from '@apiary/telemetry';

const codec = JSONCodec<TaskCompletionsEvent>();

/**
 * Maps a completion event to the stored row.
 * @returns undefined for a malformed event (it is dropped, not retried forever)
 */
export function toResultRow(e: TaskCompletedEvent): TaskResultRow | undefined {
  if (!e || typeof e.task_id !== 'string' || !Number.isInteger(e.attempt)) return undefined;
  return {
    task_id: e.task_id,
    attempt: e.attempt,
    type: e.type,
    handler: e.handler,
    success: e.success,
    error_code: e.error?.code ?? null,
    error_message: e.error?.message ?? null,
    latency_ms: e.latency_ms,
    runner: e.runner,
    result: e.result ?? null,
    started_at: e.started_at,
    finished_at: e.finished_at,
  };
}

/**
 * Records every task result once (DESIGN.md "memory"; idempotent by task id and
 * attempt, so a redelivered completion is stored once). One multi-row INSERT per
 * batch of completions.
 */
export class ResultRecorder {
  /** @param repo result storage */
  constructor(private readonly repo: Pick<TaskResultRepository, 'insertMany'>) {}

  /**
   * @param messages completion messages (acked by the caller when this resolves)
   * @returns number of results newly stored
   */
  async record(messages: JsMsg[]): Promise<number> {
    const rows: TaskResultRow[] = [];
    for (const m of messages) {
      let events: TaskCompletedEvent[];
      try {
        events = codec.decode(m.data).events;
      } catch {
        continue;
      }
      if (!Array.isArray(events)) continue;
      for (const event of events) {
        const row = toResultRow(event);
        if (!row) continue;
        rows.push(row);
        // A span per result, in the trace of the task it belongs to.
        void withSpan('memory.record', () => undefined, {
          kind: SpanKind.CONSUMER,
          parent: contextFromCarrier(event.traceparent ? { traceparent: event.traceparent } : null),
          attributes: { 'apiary.task_id': row.task_id, 'apiary.attempt': row.attempt },
        });
      }
    }
    return this.repo.insertMany(rows);
  }
}
