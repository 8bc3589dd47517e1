import { randomUUID } from 'node:crypto';
import {
  ApiaryError,
  builtinOf,
  BotTaskAssignment,
  BotTaskInput,
  CompleteBotTaskRequest,
  DATA_PROCESS_TASK_TYPE,
  LeasedTask,
  SwarmAssignment,
  SwarmBatchView,
  SwarmTaskInput,
  quotaGroupOf,
  TaskCompletedEvent,
  TaskView,
  Tier,
} from '@apiary/contracts';
import type { BotRepository, NewTaskRow, TaskRepository } from '@apiary/persistence';
import { currentTraceCarrierOrNull } from '@apiary/telemetry';
import type { LaneResolver } from '../dispatch/lane-resolver';
import type { TaskLifecycle } from '../lifecycle/task-lifecycle';
import type { PriorityPolicy } from '../priority/priority.service';
import { assertTaskData } from '../tasks/task-data';
import type { TaskWriter } from '../tasks/task-writer';
import { reducerFor } from './reducers';

/** Tunables of {@link AssignmentService}. */
export interface AssignmentConfig {
  maxAttempts: number;
  /** Fair-share cost of one task, seconds (see TaskWriter). */
  fairShareS: number;
  /** Default lease of an external task, ms. */
  externalLeaseMs: number;
}

/** Publishes a completion event for memory (port; JetStream in production). */
export type CompletionPublisher = (event: TaskCompletedEvent) => Promise<void>;

/** Budgets of swarms and batches (docs/ai-work.md "Budgets"). */
export interface AssignmentBudgets {
  /** Creates a budget. */
  create(scope: string, maxCostUsd: number): Promise<void>;
  /** @returns those of the scopes whose budget is spent */
  exceeded(scopes: string[]): Promise<string[]>;
}

/** Row counts of stored datasets, asked at assign time (port; memory over NATS in production: dataset-sizes.ts). */
export interface DatasetSizes {
  /**
   * @param dataset id or name
   * @returns its id and number of rows
   * @throws ApiaryError `DATASET_NOT_FOUND`, `SERVICE_UNAVAILABLE`, `UPSTREAM_TIMEOUT`
   */
  size(dataset: string): Promise<{ dataset_id: string; rows: number }>;
}

/** @returns whether a swarm assignment is `data.process` (or an alias) over a stored dataset split by `chunk_size` */
function isDatasetFanOut(type: string, data: Record<string, unknown>): boolean {
  return (
    builtinOf(type) === DATA_PROCESS_TASK_TYPE &&
    data.chunk_size !== undefined &&
    (typeof data.dataset === 'string' || typeof data.input_file === 'string')
  );
}


/**
 * Task assignment to bots and swarms (seed 001 "Task Assignment"; seed 003 batch
 * submit and aggregation): one task to a bot, fan-out to a swarm (one task per bot,
 * or `data.items` split into `chunk_size` chunks spread evenly over the bots),
 * batch progress with fan-in, and the external-bot protocol (lease next, complete).
 * A type no bot-runtime handler serves is an external capability: its tasks wait
 * for the bot to lease them.
 */
export class AssignmentService {
  /**
   * @param bots bot and swarm storage
   * @param tasks task storage
   * @param writer the transactional task writer (ranks, fairness, idempotency)
   * @param lanes type → lane; a type without a lane is an external capability
   * @param priority scoring (bot tier weight included)
   * @param lifecycle state machine applied to external completions
   * @param publishCompletion publishes external completions for memory
   * @param config attempts, fair-share cost (s), external lease (ms)
   * @param onQueued wakes the dispatcher
   * @param budgets swarm and batch budgets (absent: none)
   * @param datasets row counts of stored datasets (`data.process` split by rows; absent: refused)
   */
  constructor(
    private readonly bots: BotRepository,
    private readonly tasks: TaskRepository,
    private readonly writer: TaskWriter,
    private readonly lanes: LaneResolver,
    private readonly priority: PriorityPolicy,
    private readonly lifecycle: TaskLifecycle,
    private readonly publishCompletion: CompletionPublisher,
    private readonly config: AssignmentConfig,
    private readonly onQueued: () => void = () => undefined,
    private readonly budgets?: AssignmentBudgets,
    private readonly datasets?: DatasetSizes,
  ) {}

  /**
   * Whether a type is external (no runtime handler) and whether it calls registered
   * services (its tasks get a quota group: docs/ai-work.md "Rate limits").
   * @throws ApiaryError `MODULE_DISABLED` when the type's module is disabled
   */
  private async laneInfo(type: string): Promise<{ external: boolean; routed: boolean }> {
    const { routes, disabled } = await this.lanes.resolve([type]);
    if (disabled.includes(type)) {
      throw new ApiaryError('MODULE_DISABLED', `type: the module serving "${type}" is disabled`, { field: 'type', disabled_types: disabled });
    }
    const route = routes.get(type);
    return { external: !route, routed: route?.routed === true };
  }

  private checkCapability(capabilities: string[], type: string, who: string): void {
    if (!capabilities.includes(type)) {
      throw new ApiaryError('CAPABILITY_MISMATCH', `type: ${who} has no capability "${type}" (has: ${capabilities.join(', ')})`, {
        field: 'type',
        capabilities,
      });
    }
  }

  /**
   * Assigns one task to a bot (score uses the bot's tier weight).
   * @throws ApiaryError `BOT_NOT_FOUND`, `BOT_RETIRED`, `CAPABILITY_MISMATCH`, `INVALID_TASK_DATA`
   */
  async assignToBot(botId: string, task: BotTaskInput, fairnessKey: string | null): Promise<BotTaskAssignment> {
    const bot = await this.bots.findBot(botId);
    if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `bot ${botId} not found`, { bot_id: botId });
    if (bot.status !== 'active') throw new ApiaryError('BOT_RETIRED', `bot ${botId} is retired`, { bot_id: botId });
    this.checkCapability(bot.capabilities, task.type, `bot ${botId}`);
    assertTaskData(task.type, task.data);
    const { external, routed } = await this.laneInfo(task.type);
    const row = this.row(task, bot.tier, {
      bot_id: bot.id, swarm_id: bot.swarm_id, bot_max_concurrency: bot.max_concurrency, external,
      quota_group: routed ? quotaGroupOf(task.type, task.data) : null, submitted_by: fairnessKey,
    });
    const ids = await this.writer.write([row], fairnessKey);
    this.onQueued();
    return { task_id: ids.get(0) as string, bot_id: botId, task_type: task.type, status: 'assigned', assigned_at: row.created_at };
  }

  private row(task: BotTaskInput, tier: Tier, extra: Partial<NewTaskRow>): NewTaskRow {
    const score = this.priority.score(task.priority ?? 'normal', task.type, tier);
    return {
      id: randomUUID(),
      type: task.type,
      data: task.data ?? {},
      priority: task.priority ?? 'normal',
      score,
      rank: score,
      max_attempts: this.config.maxAttempts,
      idempotency_key: null,
      batch_id: null,
      fairness_key: null,
      trace_carrier: currentTraceCarrierOrNull(),
      created_at: new Date().toISOString(),
      ...extra,
    };
  }

  /**
   * Mass-action on a swarm (seed 001 "Assign Task to Swarm"). With `data.items`
   * (an array) and `data.chunk_size`, the items are split into chunks spread
   * round-robin over the active bots (task data `{ ...data, items: chunk,
   * chunk_index, chunk_count }`); otherwise one task per active bot, created by one
   * INSERT ... SELECT. A `data.process` over a stored dataset with `chunk_size`
   * is split by rows instead ({@link assignDatasetChunks}). The swarm is the tasks'
   * fairness key.
   * @throws ApiaryError `SWARM_NOT_FOUND`, `CAPABILITY_MISMATCH`, `INVALID_TASK_DATA`, `DATASET_NOT_FOUND`
   */
  async assignToSwarm(swarmId: string, task: SwarmTaskInput, apiKey: string | null = null): Promise<SwarmAssignment> {
    const swarm = await this.bots.findSwarm(swarmId);
    if (!swarm || swarm.status !== 'active') throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${swarmId} not found`, { swarm_id: swarmId });
    this.checkCapability(swarm.capabilities, task.type, `swarm ${swarmId}`);
    const data = task.data ?? {};
    const { external, routed } = await this.laneInfo(task.type);
    const batchId = randomUUID();
    // A spent swarm budget takes no new work; a batch budget exists before its tasks (docs/ai-work.md "Budgets").
    if (this.budgets && (await this.budgets.exceeded([`swarm:${swarmId}`])).length > 0) {
      throw new ApiaryError('BUDGET_EXCEEDED', `swarm ${swarmId} has spent its budget`, { swarm_id: swarmId });
    }
    if (this.budgets && task.max_cost_usd !== undefined) await this.budgets.create(`batch:${batchId}`, task.max_cost_usd);
    const quotaGroup = routed ? quotaGroupOf(task.type, data) : null;
    const fairnessKey = `swarm:${swarmId}`;
    const items = data.items;
    const chunkSize = data.chunk_size;
    let assignments: number;
    if (isDatasetFanOut(task.type, data)) {
      assignments = await this.assignDatasetChunks(swarm.id, swarm.tier, task, batchId, fairnessKey, external, { quota_group: quotaGroup, submitted_by: apiKey });
    } else if (Array.isArray(items) && chunkSize !== undefined) {
      if (!Number.isInteger(chunkSize) || (chunkSize as number) < 1) {
        throw new ApiaryError('INVALID_TASK_DATA', 'data.chunk_size: must be an integer >= 1', { field: 'data.chunk_size' });
      }
      assignments = await this.assignChunks(swarm.id, swarm.tier, task, items, chunkSize as number, batchId, fairnessKey, external, { quota_group: quotaGroup, submitted_by: apiKey });
    } else {
      assertTaskData(task.type, data);
      const score = this.priority.score(task.priority ?? 'normal', task.type, swarm.tier);
      const active = await this.bots.swarmActive(swarmId);
      assignments = await this.tasks.transaction(async (tx) => {
        const startS = await tx.advanceFairnessClock(fairnessKey, active, this.config.fairShareS, Date.now() / 1000);
        return tx.insertSwarmFanOut({
          swarmId,
          batchId,
          type: task.type,
          data,
          priority: task.priority ?? 'normal',
          score,
          agingPerS: this.priority.agingPerSecond,
          startS,
          costS: this.config.fairShareS,
          maxAttempts: this.config.maxAttempts,
          fairnessKey,
          external,
          traceCarrier: currentTraceCarrierOrNull(),
          quotaGroup,
          submittedBy: apiKey,
        });
      });
    }
    this.onQueued();
    return { swarm_id: swarmId, task_type: task.type, assignments, batch_id: batchId, status: 'distributed', timestamp: new Date().toISOString() };
  }

  private async assignChunks(
    swarmId: string,
    tier: Tier,
    task: BotTaskInput,
    items: unknown[],
    chunkSize: number,
    batchId: string,
    fairnessKey: string,
    external: boolean,
    extra: Partial<NewTaskRow> = {},
  ): Promise<number> {
    const chunkCount = Math.ceil(items.length / chunkSize);
    const bots = await this.chunkBots(swarmId, chunkCount);
    const { items: _items, chunk_size: _cs, ...rest } = task.data ?? {};
    const rows: NewTaskRow[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const data = { ...rest, items: items.slice(i * chunkSize, (i + 1) * chunkSize), chunk_index: i, chunk_count: chunkCount };
      assertTaskData(task.type, data, `chunks.${i}.`);
      const bot = bots[i % bots.length];
      rows.push(this.row({ ...task, data }, tier, { bot_id: bot.id, swarm_id: swarmId, bot_max_concurrency: null, external, batch_id: batchId, ...extra }));
    }
    // Chunks are spread over the bots; a bot with several chunks runs them one at a time.
    for (const r of rows) r.bot_max_concurrency = 1;
    await this.writer.write(rows, fairnessKey);
    return rows.length;
  }

  /**
   * Active bots of a swarm to spread `chunkCount` chunks over round-robin (at most
   * one page of 1,000 beyond what the chunks need).
   * @throws ApiaryError `SWARM_NOT_FOUND` when the swarm has no active bot
   */
  private async chunkBots(swarmId: string, chunkCount: number): Promise<{ id: string }[]> {
    const bots: { id: string }[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.bots.swarmBotIds(swarmId, 1000, cursor);
      bots.push(...page.ids.map((id) => ({ id })));
      cursor = page.next ?? undefined;
    } while (cursor && bots.length < chunkCount);
    if (bots.length === 0) throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${swarmId} has no active bots`, { swarm_id: swarmId });
    return bots;
  }

  /**
   * `data.process` over a stored dataset with `chunk_size` (docs/datasets.md
   * "Swarm fan-out"): asks memory for the dataset's row count, splits its rows (or
   * the `row_range` given) into `row_range` chunks of `chunk_size` rows, each chunk
   * pinned to the dataset's id (task data `{ ...data, dataset: id, row_range,
   * chunk_index, chunk_count }`, without `chunk_size` and `input_file`), spread
   * round-robin over the swarm's active bots, one at a time per bot.
   * @param extra row fields every chunk gets (quota group, submitter)
   * @returns the number of chunks (an empty dataset or range gets one chunk of no rows)
   * @throws ApiaryError `INVALID_TASK_DATA`, `DATASET_NOT_FOUND`, `SERVICE_UNAVAILABLE` (memory down, or no dataset source)
   */
  private async assignDatasetChunks(
    swarmId: string,
    tier: Tier,
    task: BotTaskInput,
    batchId: string,
    fairnessKey: string,
    external: boolean,
    extra: Partial<NewTaskRow>,
  ): Promise<number> {
    const data = task.data ?? {};
    assertTaskData(task.type, data);
    if (!this.datasets) throw new ApiaryError('SERVICE_UNAVAILABLE', 'datasets: this brain has no dataset source');
    const { dataset_id, rows } = await this.datasets.size((data.dataset ?? data.input_file) as string);
    const chunkSize = data.chunk_size as number;
    const range = data.row_range as { start: number; end: number } | undefined;
    const start = Math.min(range?.start ?? 0, rows);
    const end = Math.max(start, Math.min(range?.end ?? rows, rows));
    const chunkCount = Math.max(1, Math.ceil((end - start) / chunkSize));
    const bots = await this.chunkBots(swarmId, chunkCount);
    const { chunk_size: _cs, input_file: _file, dataset: _ds, row_range: _rr, ...rest } = data;
    const out: NewTaskRow[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const from = start + i * chunkSize;
      const to = Math.min(end, from + chunkSize);
      const chunk = { ...rest, dataset: dataset_id, ...(to > from ? { row_range: { start: from, end: to } } : {}), chunk_index: i, chunk_count: chunkCount };
      assertTaskData(task.type, chunk, `chunks.${i}.`);
      const bot = bots[i % bots.length];
      out.push(this.row({ ...task, data: chunk }, tier, { bot_id: bot.id, swarm_id: swarmId, bot_max_concurrency: 1, external, batch_id: batchId, ...extra }));
    }
    await this.writer.write(out, fairnessKey);
    return out.length;
  }

  /**
   * Progress of a swarm batch and, once nothing is pending, the fan-in result.
   * @throws ApiaryError `BATCH_NOT_FOUND`
   */
  async batch(swarmId: string, batchId: string): Promise<SwarmBatchView> {
    const p = await this.tasks.batchProgress(batchId);
    if (!p || p.swarmId !== swarmId) {
      throw new ApiaryError('BATCH_NOT_FOUND', `batch ${batchId} of swarm ${swarmId} not found`, { swarm_id: swarmId, batch_id: batchId });
    }
    const done = p.queued + p.running === 0;
    const type = p.type;
    return {
      swarm_id: swarmId,
      batch_id: batchId,
      task_type: type,
      total: p.total,
      succeeded: p.succeeded,
      failed: p.failed,
      running: p.running,
      queued: p.queued,
      status: done ? 'done' : 'running',
      result: done ? reducerFor(type)(await this.tasks.batchResults(batchId)) : null,
    };
  }

  /**
   * An external bot leases its next queued task (highest rank first). The lease
   * expires after `lease_ms`; the task then goes back to the queue (lease reaper).
   * @returns the task, or null when none is queued for this bot
   * @throws ApiaryError `BOT_NOT_FOUND`, `BOT_RETIRED`
   */
  async leaseNext(botId: string, leaseMs?: number): Promise<LeasedTask | null> {
    const bot = await this.bots.findBot(botId);
    if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `bot ${botId} not found`, { bot_id: botId });
    if (bot.status !== 'active') throw new ApiaryError('BOT_RETIRED', `bot ${botId} is retired`, { bot_id: botId });
    const leased = await this.tasks.leaseExternal(botId, leaseMs ?? this.config.externalLeaseMs);
    if (!leased) return null;
    return { task_id: leased.id, bot_id: botId, type: leased.type, data: leased.data, attempt: leased.attempts, lease_expires_at: leased.lease_expires_at };
  }

  /**
   * An external bot completes a task it leased: `result` → succeeded; `error` →
   * failed (or retrying/dead when `retryable`). Memory records it like any result.
   * @throws ApiaryError `TASK_NOT_FOUND`, `TASK_NOT_LEASED` (not running for this bot)
   */
  async complete(req: CompleteBotTaskRequest): Promise<TaskView> {
    const event = await this.tasks.transaction(async (tx) => {
      const task = await tx.lockForCompletion(req.task_id);
      if (!task || task.bot_id !== req.bot_id) {
        throw new ApiaryError('TASK_NOT_FOUND', `task ${req.task_id} of bot ${req.bot_id} not found`, { task_id: req.task_id });
      }
      if (task.status !== 'running' || task.runner !== `external:${req.bot_id}`) {
        throw new ApiaryError('TASK_NOT_LEASED', `task ${req.task_id} is ${task.status}, not leased by bot ${req.bot_id}`, {
          task_id: req.task_id,
          status: task.status,
        });
      }
      const now = new Date();
      const ev: TaskCompletedEvent = {
        task_id: task.id,
        type: task.type,
        attempt: task.attempts,
        success: !req.error,
        result: req.error ? null : (req.result ?? null),
        error: req.error ? { code: req.error.code, message: req.error.message, retryable: req.error.retryable === true } : null,
        handler: 'external',
        runner: `external:${req.bot_id}`,
        started_at: task.started_at ?? now.toISOString(),
        finished_at: now.toISOString(),
        latency_ms: task.started_at ? now.getTime() - Date.parse(task.started_at) : 0,
      };
      const { updates, transitions } = this.lifecycle.decideMany([task], () => [{ kind: 'completed', event: ev }], now);
      await tx.applyUpdates(updates, transitions);
      await tx.bumpCounter('tasks.executed', updates.filter((u) => u.to_status === 'succeeded').length);
      return ev;
    });
    await this.publishCompletion(event);
    return (await this.tasks.findView(req.task_id)) as TaskView;
  }
}
