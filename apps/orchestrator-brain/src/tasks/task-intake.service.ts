import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  quotaGroupOf,
  SubmitBatchReply,
  SubmitTaskReply,
  TaskCompletedEvent,
  TaskInput,
  TaskView,
} from '@apiary/contracts';
import type { NewTaskRow, TaskRepository } from '@apiary/persistence';
import { currentTraceCarrierOrNull } from '@apiary/telemetry';
import type { PriorityPolicy } from '../priority/priority.service';
import type { LaneResolution, LaneResolver } from '../dispatch/lane-resolver';
import { cachedResult, cacheKeyOf } from '../cache/result-cache';
import type { CompletionPublisher } from './completion-publisher';
import type { TaskWriter } from './task-writer';
import { assertTaskData } from './task-data';

/** Tunables of {@link TaskIntakeService}. */
export interface IntakeConfig {
  /** Attempts per task before `dead`. */
  maxAttempts: number;
}

/** What intake needs of the result cache and of budgets (docs/ai-work.md "Result cache", "Budgets"). */
export interface IntakeExtras {
  /** @returns key → stored result for live entries */
  lookupCache(keys: string[]): Promise<Map<string, unknown>>;
  /** Counts cache hits and misses. */
  countCache(hits: number, misses: number): Promise<void>;
  /** Creates the budget of a batch. */
  createBudget(scope: string, maxCostUsd: number): Promise<void>;
  /** Publishes completions of cache hits for memory. */
  publish: CompletionPublisher;
}

type IntakeRepository = Pick<TaskRepository, 'findView' | 'transaction'>;

/**
 * Task intake (docs/architecture.md "The task path"): checks each task's type
 * against the router's lanes and its data against the handler's schema, scores
 * it, and writes it `queued` (the transactional outbox the dispatcher relays). A
 * task routed to services gets its quota group (the dispatch gate of provider
 * limits); a task of a type whose policy caches results is looked up in the result
 * cache and, on a hit, written `succeeded` at once (docs/ai-work.md). All or
 * nothing per request; idempotent by key for 24 h.
 */
export class TaskIntakeService {
  /**
   * @param repo task storage (reads)
   * @param writer the transactional task writer
   * @param lanes type → lane resolution (unknown types are refused)
   * @param priority scoring policy
   * @param config attempts and idempotency window
   * @param onQueued called after tasks are written (wakes the dispatcher)
   * @param extras result cache and budgets (absent: no cache, no budgets)
   */
  constructor(
    private readonly repo: IntakeRepository,
    private readonly writer: TaskWriter,
    private readonly lanes: LaneResolver,
    private readonly priority: PriorityPolicy,
    private readonly config: IntakeConfig,
    private readonly onQueued: () => void = () => undefined,
    private readonly extras?: IntakeExtras,
  ) {}

  /**
   * Submits one task.
   * @returns the task and whether this call created it (false: idempotent repeat)
   * @throws ApiaryError `UNKNOWN_TASK_TYPE`, `INVALID_TASK_DATA` (422), `MODULE_DISABLED` (409), or router errors
   */
  async submit(input: TaskInput, fairnessKey: string | null): Promise<SubmitTaskReply> {
    const lanes = await this.validate([input], (i) => (i === 0 ? '' : `tasks.${i}.`));
    const now = Date.now();
    const row = this.toRow(input, fairnessKey, null, now, lanes);
    await this.applyCache([row]);
    const result = await this.writer.write([row], fairnessKey);
    const existingId = result.get(0);
    if (existingId === row.id) {
      await this.afterWrite([row], result);
      return { task: this.viewOf(row, now), created: true };
    }
    const existing = await this.repo.findView(existingId as string);
    if (!existing) throw new ApiaryError('IDEMPOTENCY_CONFLICT', `idempotency_key "${input.idempotency_key}" is in use`);
    return { task: existing, created: false };
  }

  /**
   * Submits up to 10,000 tasks in one database round trip; all or nothing.
   * @returns batch id and task ids in submit order
   * @throws ApiaryError naming the first bad task's index, e.g. `tasks.3.type`
   */
  async submitBatch(inputs: TaskInput[], fairnessKey: string | null, maxCostUsd?: number): Promise<SubmitBatchReply> {
    const lanes = await this.validate(inputs, (i) => `tasks.${i}.`);
    const batchId = randomUUID();
    const now = Date.now();
    const rows = inputs.map((input) => this.toRow(input, fairnessKey, batchId, now, lanes));
    await this.applyCache(rows);
    // The budget exists before any of its tasks can finish (docs/ai-work.md "Budgets").
    if (maxCostUsd !== undefined && this.extras) await this.extras.createBudget(`batch:${batchId}`, maxCostUsd);
    const ids = await this.writer.write(rows, fairnessKey);
    await this.afterWrite(rows, ids);
    return { batch_id: batchId, task_ids: rows.map((_, i) => ids.get(i) as string) };
  }

  /**
   * Looks the cacheable rows up in the result cache; a hit is written `succeeded`
   * with the stored result (`cached: true`, `cost_usd: 0`) and never dispatched.
   */
  private async applyCache(rows: NewTaskRow[]): Promise<void> {
    if (!this.extras) return;
    const keys = rows.map((r) => r.cache_key).filter((k): k is string => typeof k === 'string');
    if (keys.length === 0) return;
    const hits = await this.extras.lookupCache(keys);
    for (const r of rows) {
      const hit = r.cache_key ? hits.get(r.cache_key) : undefined;
      if (hit !== undefined) r.cached_result = cachedResult(hit);
    }
  }

  /** Wakes the dispatcher, counts cache hits and misses, and reports the hits' results to memory. */
  private async afterWrite(rows: NewTaskRow[], ids: Map<number, string>): Promise<void> {
    this.onQueued();
    if (!this.extras) return;
    const inserted = rows.filter((r, i) => ids.get(i) === r.id);
    const hits = inserted.filter((r) => r.cached_result !== undefined);
    const misses = inserted.filter((r) => r.cache_key && r.cached_result === undefined).length;
    await this.extras.countCache(hits.length, misses);
    if (hits.length === 0) return;
    const at = new Date().toISOString();
    const events: TaskCompletedEvent[] = hits.map((r) => ({
      task_id: r.id,
      type: r.type,
      attempt: 0,
      success: true,
      result: r.cached_result,
      error: null,
      handler: 'cache',
      runner: 'cache',
      started_at: at,
      finished_at: at,
      latency_ms: 0,
      cached: true,
      cost_usd: 0,
      ...(r.submitted_by ? { api_key: r.submitted_by } : {}),
    }));
    await this.extras.publish(events);
  }

  /**
   * Re-drives a task that ended dead, failed, cancelled or timed out: back to
   * `queued` with `maxAttempts` more attempts (its history is kept).
   * @returns the task, queued again
   * @throws ApiaryError `TASK_NOT_FOUND`; `TASK_NOT_RETRYABLE` naming its status otherwise
   */
  async redrive(taskId: string): Promise<TaskView> {
    const outcome = await this.repo.transaction((tx) => tx.redrive(taskId, this.config.maxAttempts));
    if (!outcome) throw new ApiaryError('TASK_NOT_FOUND', `task ${taskId} not found`, { task_id: taskId });
    if (!outcome.redriven) {
      throw new ApiaryError(
        'TASK_NOT_RETRYABLE',
        `task ${taskId} is ${outcome.before}; only dead, failed, cancelled or timed-out tasks can be retried`,
        { task_id: taskId, status: outcome.before },
      );
    }
    this.onQueued();
    return (await this.repo.findView(taskId)) as TaskView;
  }

  private async validate(inputs: TaskInput[], path: (i: number) => string): Promise<LaneResolution> {
    const resolution = await this.lanes.resolve(inputs.map((t) => t.type));
    const { unknown, disabled } = resolution;
    if (unknown.length > 0) {
      const unknownSet = new Set(unknown);
      const index = inputs.findIndex((t) => unknownSet.has(t.type));
      throw new ApiaryError('UNKNOWN_TASK_TYPE', `${path(index)}type: unknown task type "${inputs[index].type}"`, {
        field: `${path(index)}type`,
        index,
        unknown_types: unknown,
      });
    }
    if (disabled.length > 0) {
      const disabledSet = new Set(disabled);
      const index = inputs.findIndex((t) => disabledSet.has(t.type));
      throw new ApiaryError('MODULE_DISABLED', `${path(index)}type: the module serving "${inputs[index].type}" is disabled`, {
        field: `${path(index)}type`,
        index,
        disabled_types: disabled,
      });
    }
    inputs.forEach((input, i) => assertTaskData(input.type, input.data, path(i)));
    return resolution;
  }

  private toRow(input: TaskInput, fairnessKey: string | null, batchId: string | null, now: number, lanes: LaneResolution): NewTaskRow {
    const score = this.priority.score(input.priority ?? 'normal', input.type);
    const route = lanes.routes.get(input.type);
    const ttl = route?.cache_ttl_s ?? 0;
    const cacheable = ttl > 0 && input.cache !== false && this.extras !== undefined;
    return {
      quota_group: route?.routed ? quotaGroupOf(input.type, input.data) : null,
      submitted_by: fairnessKey,
      cache_key: cacheable ? cacheKeyOf(input.type, input.data) : null,
      cache_ttl_s: cacheable ? ttl : null,
      id: randomUUID(),
      type: input.type,
      data: input.data ?? {},
      priority: input.priority ?? 'normal',
      score,
      rank: this.priority.rank(score, now),
      max_attempts: this.config.maxAttempts,
      idempotency_key: input.idempotency_key ?? null,
      batch_id: batchId,
      fairness_key: fairnessKey,
      trace_carrier: currentTraceCarrierOrNull(),
      created_at: new Date(now).toISOString(),
      context_id: input.context_id ?? null,
    };
  }

  private viewOf(row: NewTaskRow, now: number): TaskView {
    const cached = row.cached_result !== undefined;
    const at = new Date(now).toISOString();
    return {
      task_id: row.id,
      type: row.type,
      status: cached ? 'succeeded' : 'queued',
      priority: row.priority,
      score: row.score,
      attempts: 0,
      result: cached ? row.cached_result : null,
      error: null,
      batch_id: row.batch_id,
      created_at: at,
      started_at: cached ? at : null,
      finished_at: cached ? at : null,
    };
  }
}
