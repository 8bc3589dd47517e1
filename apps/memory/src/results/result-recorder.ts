import { JsMsg, JSONCodec } from 'nats';
import { TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';
import type { ServiceStatSample, TaskResultRepository, TaskResultRow } from '@apiary/persistence';
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
 * What one completion teaches (seed 002 "What the System Learns": success rates
 * and execution times per task type and service):
 * - with `calls` (a routed `http` task): one sample per call, `service =
 *   call.service`, so every failed call to a failing service counts even when a
 *   fallback service saved the attempt (an empty `calls` teaches nothing: no
 *   service was called);
 * - without: one sample for the handler that ran it (`service = handler`).
 * Malformed calls (no service name or no boolean outcome) are skipped.
 * @param e a completion event
 */
export function statSamples(e: TaskCompletedEvent): ServiceStatSample[] {
  if (Array.isArray(e.calls)) {
    return e.calls
      .filter((c) => c && typeof c.service === 'string' && c.service.length > 0 && typeof c.success === 'boolean')
      .map((c) => ({ task_type: e.type, service: c.service, success: c.success, latency_ms: c.latency_ms, at: e.finished_at }));
  }
  if (typeof e.handler !== 'string' || typeof e.success !== 'boolean') return [];
  return [{ task_type: e.type, service: e.handler, success: e.success, latency_ms: e.latency_ms, at: e.finished_at }];
}

function keyOf(taskId: string, attempt: number): string {
  return `${taskId.toLowerCase()}:${attempt}`;
}

/**
 * Records every task result once (DESIGN.md "memory"; idempotent by task id and
 * attempt, so a redelivered completion is stored once) and, in the same
 * transaction, the per-(task type, service) statistics of the results newly
 * stored ({@link statSamples}): the brain's decisions learn from them without a
 * request per task (seed 002 `learn_from_result`, batched). One multi-row INSERT
 * and one multi-row upsert per batch of completions.
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
    const samples = new Map<string, ServiceStatSample[]>();
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
        const key = keyOf(row.task_id, row.attempt);
        if (!samples.has(key)) samples.set(key, statSamples(event));
        // A span per result, in the trace of the task it belongs to.
        void withSpan('memory.record', () => undefined, {
          kind: SpanKind.CONSUMER,
          parent: contextFromCarrier(event.traceparent ? { traceparent: event.traceparent } : null),
          attributes: { 'apiary.task_id': row.task_id, 'apiary.attempt': row.attempt },
        });
      }
    }
    return this.repo.insertMany(rows, (stored) => stored.flatMap((r) => samples.get(keyOf(r.task_id, r.attempt)) ?? []));
  }
}
