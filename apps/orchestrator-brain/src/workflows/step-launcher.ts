import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { ApiaryError, builtinOf, LLM_CHAT_TASK_TYPE, PriorityLevel, quotaGroupOf, TaskErrorInfo } from '@apiary/contracts';
import { BotRepository, BudgetRepository, NewTaskRow, TaskRepository, WorkflowRepository, WorkflowRunRow } from '@apiary/persistence';
import type { PriorityPolicy } from '../priority/priority.service';
import type { StepSpec } from './dag';
import type { StepEvent, StepStart } from './workflow-engine';
import { checkStepData } from './workflow-validator';

/** One start decided by the engine, with its run and step. */
export interface LaunchItem {
  run: Pick<WorkflowRunRow, 'id' | 'priority' | 'context_id' | 'fairness_key'>;
  step: StepSpec;
  start: StepStart;
}

/** Tunables of {@link StepLauncher}. */
export interface LaunchConfig {
  /** Attempts per task before `dead` (APIARY_MAX_ATTEMPTS). */
  maxAttempts: number;
}

/**
 * Fair-share clock advances of the tasks a transaction creates, written after it
 * commits (decisions.md #3: stride scheduling per fairness key). Taking the clock's
 * row lock inside the transaction, as the task writer does, would serialise every
 * step start and engine pass of a tenant on one row for the whole transaction (the
 * workflow bench measured 8 of 10 connections waiting on it). Here the clock is
 * read without a lock, ranks start from it, and the advance is one autocommit
 * UPSERT afterwards: concurrent transactions of one tenant may overlap in virtual
 * time among themselves, but the tenant's clock still moves by every task, so other
 * tenants keep their share. A crash between commit and {@link apply} forgets the
 * advance of that one batch.
 */
export class FairShareLedger {
  private readonly pending = new Map<string, number>();

  /** @param costS fair-share cost of one task, seconds */
  constructor(readonly costS: number) {}

  /** Forgets what a rolled-back attempt reserved (call at the start of each transaction attempt). */
  reset(): void {
    this.pending.clear();
  }

  /**
   * Inside the transaction: where `n` new tasks of `key` start in virtual time.
   * @param nowS current time, seconds since epoch
   * @returns virtual start, seconds (the i-th task ranks at start + (i + 1) × cost)
   */
  async reserve(tx: Pick<WorkflowRepository, 'fairnessClock'>, key: string, n: number, nowS: number): Promise<number> {
    const before = this.pending.get(key) ?? 0;
    const clock = await tx.fairnessClock(key);
    this.pending.set(key, before + n);
    return Math.max(nowS, clock ?? 0) + before * this.costS;
  }

  /** After the commit: advances each key's clock (one autocommit statement per key). */
  async apply(tasks: Pick<TaskRepository, 'advanceFairnessClock'>, nowS: number): Promise<void> {
    const entries = [...this.pending.entries()].sort(([a], [b]) => a.localeCompare(b));
    this.pending.clear();
    for (const [key, n] of entries) await tasks.advanceFairnessClock(key, n, this.costS, nowS);
  }
}

function errorInfo(e: unknown): TaskErrorInfo {
  if (e instanceof ApiaryError) return { code: e.code, message: e.message, retryable: false };
  throw e;
}

/**
 * Creates the tasks of started steps inside the caller's transaction (the one that
 * holds the runs' locks and writes their steps), so a step's task exists exactly
 * when its step says `running`: plain steps and recovery tasks as queued tasks
 * tagged with their run and step; `bot_id` steps as that bot's task (tier weight,
 * concurrency, external capability); `swarm_id` steps as the swarm mass-action of
 * seed 001 under the step's batch id, whose fan-in is the step's result: one task per
 * active bot in one INSERT ... SELECT, or, with `items` and `chunk_size`, the items in
 * chunks spread round-robin over the bots (as `POST /swarms/{id}/tasks`). Ranks follow the
 * stride scheduling per fairness key (see {@link FairShareLedger}).
 */
export class StepLauncher {
  /**
   * @param priority scoring and ranks
   * @param config attempts per task
   */
  constructor(
    private readonly priority: PriorityPolicy,
    private readonly config: LaunchConfig,
  ) {}

  /**
   * @param em the transaction
   * @param items starts to create
   * @param clocks collects the fair-share clock advances, applied after commit
   * @param nowMs current time, ms since epoch
   * @returns (with its run id) a `start_failed` event for each start that could not be created (bot
   *   retired or swarm emptied since submit, data invalid after merging results)
   */
  async launch(em: EntityManager, items: LaunchItem[], clocks: FairShareLedger, nowMs: number): Promise<{ runId: string; event: StepEvent }[]> {
    if (items.length === 0) return [];
    const tasks = new TaskRepository(em as unknown as DataSource);
    const bots = new BotRepository(em);
    const failures: { runId: string; event: StepEvent }[] = [];
    const wf = new WorkflowRepository(em);
    const rows = new Map<string, { rows: NewTaskRow[]; tags: { id: string; run_id: string; step_id: string }[] }>();
    // A run whose budget is spent starts no more steps (docs/ai-work.md "Budgets").
    const spent = new Set(
      (await BudgetRepository.get(em, [...new Set(items.map((i) => `workflow:${i.run.id}`))])).filter((b) => b.exceeded_at !== null).map((b) => b.scope),
    );
    for (const { run, step, start } of items) {
      if (spent.has(`workflow:${run.id}`)) {
        failures.push({
          runId: run.id,
          event: { kind: 'start_failed', step_id: step.id, error: { code: 'BUDGET_EXCEEDED', message: `the budget of workflow run ${run.id} is spent; step ${step.id} was not started`, retryable: false } },
        });
        continue;
      }
      try {
        const priority = run.priority as PriorityLevel;
        const base = {
          type: start.type,
          data: start.parameters,
          priority,
          max_attempts: this.config.maxAttempts,
          idempotency_key: null,
          batch_id: null,
          fairness_key: run.fairness_key,
          trace_carrier: null,
          created_at: new Date(nowMs).toISOString(),
          context_id: run.context_id,
          // Types that call registered services get their quota group (docs/ai-work.md "Rate limits").
          quota_group: builtinOf(start.type) === undefined || start.type === LLM_CHAT_TASK_TYPE ? quotaGroupOf(start.type, start.parameters) : null,
          submitted_by: run.fairness_key,
        };
        let row: NewTaskRow;
        if (start.role === 'step' && step.swarm_id) {
          await this.fanOut(tasks, bots, wf, clocks, run, step, start, nowMs);
          continue;
        } else if (start.role === 'step' && step.bot_id) {
          const bot = await bots.findBot(step.bot_id);
          if (!bot) throw new ApiaryError('BOT_NOT_FOUND', `bot ${step.bot_id} not found`, { bot_id: step.bot_id });
          if (bot.status !== 'active') throw new ApiaryError('BOT_RETIRED', `bot ${step.bot_id} is retired`, { bot_id: step.bot_id });
          checkStepData(start.type, start.parameters, 'parameters');
          const score = this.priority.score(priority, start.type, bot.tier);
          row = { ...base, id: start.task_id as string, score, rank: score, bot_id: bot.id, swarm_id: bot.swarm_id, bot_max_concurrency: bot.max_concurrency, external: step.external };
        } else {
          checkStepData(start.type, start.parameters, 'parameters');
          const score = this.priority.score(priority, start.type);
          row = { ...base, id: start.task_id as string, score, rank: score };
        }
        const key = run.fairness_key ?? '';
        const group = rows.get(key) ?? { rows: [], tags: [] };
        group.rows.push(row);
        group.tags.push({ id: row.id, run_id: run.id, step_id: step.id });
        rows.set(key, group);
      } catch (e) {
        failures.push({ runId: run.id, event: { kind: 'start_failed', step_id: step.id, error: errorInfo(e) } });
      }
    }
    for (const [key, group] of [...rows.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const startS = await clocks.reserve(wf, key, group.rows.length, nowMs / 1000);
      group.rows.forEach((r, i) => {
        r.rank = this.priority.rank(r.score, (startS + (i + 1) * clocks.costS) * 1000);
      });
      await tasks.insertMany(group.rows);
      await wf.tagTasks(group.tags);
    }
    return failures;
  }

  private async fanOut(
    tasks: TaskRepository,
    bots: BotRepository,
    wf: WorkflowRepository,
    clocks: FairShareLedger,
    run: LaunchItem['run'],
    step: StepSpec,
    start: StepStart,
    nowMs: number,
  ): Promise<void> {
    const swarmId = step.swarm_id as string;
    const swarm = await bots.findSwarm(swarmId);
    if (!swarm || swarm.status !== 'active') throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${swarmId} not found`, { swarm_id: swarmId });
    const active = await bots.swarmActive(swarmId);
    if (active === 0) throw new ApiaryError('SWARM_NOT_FOUND', `swarm ${swarmId} has no active bots`, { swarm_id: swarmId });
    const priority = run.priority as PriorityLevel;
    const fairnessKey = `swarm:${swarmId}`;
    const score = this.priority.score(priority, start.type, swarm.tier);
    const { items, chunk_size: chunkSize, ...rest } = start.parameters;
    if (Array.isArray(items) && chunkSize !== undefined) {
      // Chunked mass-action, as POST /swarms/{id}/tasks: `items` split into `chunk_size`
      // chunks spread round-robin over the active bots, each bot running its chunks one at a time.
      if (!Number.isInteger(chunkSize) || (chunkSize as number) < 1) {
        throw new ApiaryError('INVALID_TASK_DATA', 'parameters.chunk_size: must be an integer >= 1', { field: 'parameters.chunk_size' });
      }
      const chunkCount = Math.ceil(items.length / (chunkSize as number));
      if (chunkCount === 0) throw new ApiaryError('INVALID_TASK_DATA', 'parameters.items: nothing to fan out', { field: 'parameters.items' });
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await bots.swarmBotIds(swarmId, 1000, cursor);
        ids.push(...page.ids);
        cursor = page.next ?? undefined;
      } while (cursor && ids.length < chunkCount);
      const startS = await clocks.reserve(wf, fairnessKey, chunkCount, nowMs / 1000);
      const rows: NewTaskRow[] = [];
      for (let i = 0; i < chunkCount; i++) {
        const data = { ...rest, items: items.slice(i * (chunkSize as number), (i + 1) * (chunkSize as number)), chunk_index: i, chunk_count: chunkCount };
        checkStepData(start.type, data, 'parameters');
        rows.push({
          id: randomUUID(),
          type: start.type,
          data,
          priority,
          score,
          rank: this.priority.rank(score, (startS + (i + 1) * clocks.costS) * 1000),
          max_attempts: this.config.maxAttempts,
          idempotency_key: null,
          batch_id: start.batch_id,
          fairness_key: fairnessKey,
          trace_carrier: null,
          created_at: new Date(nowMs).toISOString(),
          bot_id: ids[i % ids.length],
          swarm_id: swarmId,
          bot_max_concurrency: 1,
          external: step.external,
        });
      }
      await tasks.insertMany(rows);
      return;
    }
    checkStepData(start.type, start.parameters, 'parameters');
    const startS = await clocks.reserve(wf, fairnessKey, active, nowMs / 1000);
    await tasks.insertSwarmFanOut({
      swarmId,
      batchId: start.batch_id as string,
      type: start.type,
      data: start.parameters,
      priority,
      score,
      agingPerS: this.priority.agingPerSecond,
      startS,
      costS: clocks.costS,
      maxAttempts: this.config.maxAttempts,
      fairnessKey,
      external: step.external,
      traceCarrier: null,
    });
  }
}
