import { JsMsg, JSONCodec } from 'nats';
import { TaskCompletedEvent, TaskCompletionsEvent, taskParamsDigest } from '@apiary/contracts';
import type { ServiceStatSample, TaskResultRepository, TaskResultRow } from '@apiary/persistence';
import { contextFromCarrier, SpanKind, withSpan } from '@apiary/telemetry';

const codec = JSONCodec<TaskCompletionsEvent>();

/**
 * Most results written in one transaction. A batch of 1,000 messages may hold
 * 100,000 completions: it is stored in transactions of this size, one after the
 * other (each idempotent, so a failure part-way redelivers the batch harmlessly).
 */
export const MAX_ROWS_PER_TRANSACTION = 5000;
/**
 * Transactions of one batch run at once. The result inserts (most of the work) run
 * side by side on two connections; their statistics rows are then taken in the same
 * key order by both, so one waits for the other's commit and they never deadlock.
 */
export const PARALLEL_TRANSACTIONS = 2;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A string field of an event, or null when absent or not a non-empty string of at most `max` characters. */
function optionalText(value: unknown, max = 256): string | null {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : null;
}

function isTime(value: unknown): value is string {
  return typeof value === 'string' && Number.isFinite(Date.parse(value));
}

/**
 * Maps a completion event to the stored row. `bot_id`, `swarm_id`, `context_id`
 * and `service` are kept when they are strings (else null); `params` is bounded
 * again with {@link taskParamsDigest} whoever built it.
 * @returns undefined for a malformed event (no UUID task id, no integer attempt,
 *   no type/handler/runner string, no boolean outcome, unparsable times): it is
 *   dropped, not retried forever, and cannot fail the rest of its batch
 */
export function toResultRow(e: TaskCompletedEvent): TaskResultRow | undefined {
  if (!e || typeof e.task_id !== 'string' || !UUID.test(e.task_id) || !Number.isInteger(e.attempt)) return undefined;
  // A deferred attempt never ran (it waited for a provider's quota): it is no result (docs/ai-work.md "Rate limits").
  if (e.error?.deferred === true) return undefined;
  if (typeof e.type !== 'string' || typeof e.handler !== 'string' || typeof e.runner !== 'string' || typeof e.success !== 'boolean') return undefined;
  if (!isTime(e.started_at) || !isTime(e.finished_at)) return undefined;
  return {
    task_id: e.task_id,
    attempt: e.attempt,
    type: e.type,
    handler: e.handler,
    service: optionalText(e.service),
    bot_id: optionalText(e.bot_id),
    swarm_id: optionalText(e.swarm_id),
    context_id: optionalText(e.context_id),
    success: e.success,
    error_code: typeof e.error?.code === 'string' ? e.error.code : null,
    error_message: typeof e.error?.message === 'string' ? e.error.message : null,
    latency_ms: Number.isFinite(e.latency_ms) ? e.latency_ms : 0,
    runner: e.runner,
    result: e.result ?? null,
    params: taskParamsDigest(e.params) ?? null,
    started_at: e.started_at,
    finished_at: e.finished_at,
    model: optionalText(e.model),
    prompt_tokens: count(e.usage?.prompt_tokens),
    completion_tokens: count(e.usage?.completion_tokens),
    cost_usd: typeof e.cost_usd === 'number' && Number.isFinite(e.cost_usd) && e.cost_usd >= 0 ? e.cost_usd : null,
    cached: e.cached === true,
    api_key: optionalText(e.api_key, 64),
  };
}

/** A token count of an event: a non-negative integer, else null. */
function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 2_147_483_647 ? value : null;
}

/**
 * What one completion teaches (seed 002 "What the System Learns": success rates
 * and execution times per task type and service):
 * - with `calls` (a routed `http` task): one sample per call, `service =
 *   call.service`, so every failed call to a failing service counts even when a
 *   fallback service saved the attempt (an empty `calls` teaches nothing: no
 *   service was called);
 * - without: one sample for the handler that ran it (`service = handler`).
 * A failed sample carries its error code (and, for a handler, its message: a call
 * record has none), learned as an error pattern.
 * Malformed calls (no service name or no boolean outcome) are skipped.
 * @param e a completion event
 */
export function statSamples(e: TaskCompletedEvent): ServiceStatSample[] {
  // A cached result called nothing: it teaches nothing (deferred attempts are no results: toResultRow).
  if (e?.cached === true) return [];
  if (Array.isArray(e.calls)) {
    return e.calls
      // A 429 is the provider's limit, not an outcome to learn from (docs/ai-work.md "Rate limits").
      .filter((c) => c && typeof c.service === 'string' && c.service.length > 0 && typeof c.success === 'boolean' && c.throttled !== true)
      .map((c) => ({
        task_type: e.type,
        // Each (service, model) pair of an `openai` service is learned on its own (docs/ai-work.md "Routing").
        service: typeof c.model === 'string' && c.model.length > 0 ? `${c.service}/${c.model}` : c.service,
        success: c.success, latency_ms: c.latency_ms, at: e.finished_at,
        ...(typeof c.cost_usd === 'number' ? { cost_usd: c.cost_usd } : {}),
        ...(typeof c.tokens === 'number' ? { tokens: c.tokens } : {}),
        ...(c.success ? {} : { error_code: typeof c.error_code === 'string' ? c.error_code : null, error_message: null }),
      }));
  }
  if (typeof e.handler !== 'string' || typeof e.success !== 'boolean') return [];
  return [{
    task_type: e.type, service: e.handler, success: e.success, latency_ms: e.latency_ms, at: e.finished_at,
    ...(e.success ? {} : { error_code: e.error?.code ?? null, error_message: e.error?.message ?? null }),
  }];
}

function keyOf(taskId: string, attempt: number): string {
  return `${taskId.toLowerCase()}:${attempt}`;
}

/**
 * Records every task result once (DESIGN.md "memory"; idempotent by task id and
 * attempt, so a redelivered completion is stored once) and, in the same
 * transaction, the per-(task type, service) statistics of the results newly
 * stored ({@link statSamples}): the brain's decisions learn from them without a
 * request per task (seed 002 `learn_from_result`, batched). A few multi-row
 * statements per batch of completions (up to {@link MAX_ROWS_PER_TRANSACTION}
 * results each), never one per result.
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
    const seen = new Set<string>();
    // The repository hands back the very row objects it stored: samples keyed by row.
    const samples = new Map<TaskResultRow, ServiceStatSample[]>();
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
        const key = keyOf(row.task_id, row.attempt);
        if (seen.has(key)) continue; // the same result twice in one batch: stored (and counted) once
        seen.add(key);
        rows.push(row);
        samples.set(row, statSamples(event));
        // A span per traced result, in the trace of the task it belongs to (an
        // untraced one would only start a trace of its own).
        if (event.traceparent) void withSpan('memory.record', () => undefined, {
          kind: SpanKind.CONSUMER,
          parent: contextFromCarrier({ traceparent: event.traceparent }),
          attributes: { 'apiary.task_id': row.task_id, 'apiary.attempt': row.attempt },
        });
      }
    }
    const statsOf = (stored: TaskResultRow[]) => {
      const out: ServiceStatSample[] = [];
      for (const r of stored) for (const sample of samples.get(r) ?? []) out.push(sample);
      return out;
    };
    const chunks: TaskResultRow[][] = [];
    for (let i = 0; i < rows.length; i += MAX_ROWS_PER_TRANSACTION) chunks.push(rows.slice(i, i + MAX_ROWS_PER_TRANSACTION));
    let stored = 0;
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(PARALLEL_TRANSACTIONS, chunks.length) }, async () => {
        while (next < chunks.length) {
          const inserted = await this.repo.insertMany(chunks[next++], statsOf);
          stored += inserted; // after the await: `stored += await …` would read `stored` before it
        }
      }),
    );
    return stored;
  }
}
