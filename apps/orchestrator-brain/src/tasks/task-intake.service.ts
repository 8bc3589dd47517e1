import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  SubmitBatchReply,
  SubmitTaskReply,
  TaskInput,
  TaskView,
} from '@apiary/contracts';
import type { NewTaskRow, TaskRepository } from '@apiary/persistence';
import { currentTraceCarrierOrNull } from '@apiary/telemetry';
import type { PriorityPolicy } from '../priority/priority.service';
import type { LaneResolver } from '../dispatch/lane-resolver';
import type { TaskWriter } from './task-writer';
import { assertTaskData } from './task-data';

/** Tunables of {@link TaskIntakeService}. */
export interface IntakeConfig {
  /** Attempts per task before `dead`. */
  maxAttempts: number;
}

type IntakeRepository = Pick<TaskRepository, 'findView' | 'transaction'>;

/**
 * Task intake (DESIGN.md "Task lifecycle"; seed 001 "/orchestrate"): checks each
 * task's type against the router's lanes and its data against the handler's
 * schema, scores it, and writes it `queued` (the transactional outbox the
 * dispatcher relays). All or nothing per request; idempotent by key for 24 h.
 */
export class TaskIntakeService {
  /**
   * @param repo task storage (reads)
   * @param writer the transactional task writer
   * @param lanes type → lane resolution (unknown types are refused)
   * @param priority scoring policy
   * @param config attempts and idempotency window
   * @param onQueued called after tasks are written (wakes the dispatcher)
   */
  constructor(
    private readonly repo: IntakeRepository,
    private readonly writer: TaskWriter,
    private readonly lanes: LaneResolver,
    private readonly priority: PriorityPolicy,
    private readonly config: IntakeConfig,
    private readonly onQueued: () => void = () => undefined,
  ) {}

  /**
   * Submits one task.
   * @returns the task and whether this call created it (false: idempotent repeat)
   * @throws ApiaryError `UNKNOWN_TASK_TYPE`, `INVALID_TASK_DATA` (422), `MODULE_DISABLED` (409), or router errors
   */
  async submit(input: TaskInput, fairnessKey: string | null): Promise<SubmitTaskReply> {
    await this.validate([input], (i) => (i === 0 ? '' : `tasks.${i}.`));
    const now = Date.now();
    const row = this.toRow(input, fairnessKey, null, now);
    const result = await this.writer.write([row], fairnessKey);
    const existingId = result.get(0);
    if (existingId === row.id) {
      this.onQueued();
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
  async submitBatch(inputs: TaskInput[], fairnessKey: string | null): Promise<SubmitBatchReply> {
    await this.validate(inputs, (i) => `tasks.${i}.`);
    const batchId = randomUUID();
    const now = Date.now();
    const rows = inputs.map((input) => this.toRow(input, fairnessKey, batchId, now));
    const ids = await this.writer.write(rows, fairnessKey);
    this.onQueued();
    return { batch_id: batchId, task_ids: rows.map((_, i) => ids.get(i) as string) };
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

  private async validate(inputs: TaskInput[], path: (i: number) => string): Promise<void> {
    const { unknown, disabled } = await this.lanes.resolve(inputs.map((t) => t.type));
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
  }

  private toRow(input: TaskInput, fairnessKey: string | null, batchId: string | null, now: number): NewTaskRow {
    const score = this.priority.score(input.priority ?? 'normal', input.type);
    return {
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
    return {
      task_id: row.id,
      type: row.type,
      status: 'queued',
      priority: row.priority,
      score: row.score,
      attempts: 0,
      result: null,
      error: null,
      batch_id: row.batch_id,
      created_at: new Date(now).toISOString(),
      started_at: null,
      finished_at: null,
    };
  }
}
