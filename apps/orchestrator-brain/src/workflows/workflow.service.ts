import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { DataSource, EntityManager } from 'typeorm';
import {
  ApiaryError,
  ListWorkflowsRequest,
  PriorityLevel,
  SaveWorkflowDefinitionRequest,
  StartWorkflowRequest,
  TaskErrorInfo,
  WorkflowDefinitionView,
  WorkflowPage,
  WorkflowRunInput,
  WorkflowStatus,
  WorkflowStepInput,
  WorkflowStepStatus,
  WorkflowStepView,
  WorkflowView,
} from '@apiary/contracts';
import {
  BudgetRepository,
  TaskRepository,
  WorkflowDefinitionRow,
  WorkflowInboxEvent,
  WorkflowRepository,
  WorkflowRunRow,
  WorkflowStepRow,
} from '@apiary/persistence';
import { reducerFor } from '../bots/reducers';
import { normaliseSteps, StepSpec } from './dag';
import { StartBatcher } from './start-batcher';
import { FairShareLedger, StepLauncher } from './step-launcher';
import { EngineDecision, newRunState, RunState, StepEvent, StepState, WorkflowEngine } from './workflow-engine';
import type { WorkflowValidator } from './workflow-validator';

/** A workflow checked and ready to be written (see {@link WorkflowService.prepare}). */
export interface PreparedRun {
  name: string;
  definition: { name: string; version: number } | null;
  priority: PriorityLevel;
  context_id: string | null;
  parameters: Record<string, unknown>;
  steps: StepSpec[];
  /** Budget of the run, USD (docs/ai-work.md "Budgets"); absent: none. */
  max_cost_usd?: number;
}

/** What a saved definition stores. */
interface StoredDefinition {
  steps: WorkflowStepInput[];
  priority?: PriorityLevel;
  context_id?: string;
}

/** Tunables of {@link WorkflowService}. */
export interface WorkflowServiceConfig {
  /** Inbox events applied per transaction. */
  drainBatch: number;
  /** Fair-share cost of one task, seconds (APIARY_FAIR_SHARE_MS / 1000). */
  fairShareS: number;
  /**
   * Run-creating transactions at once (APIARY_WORKFLOW_START_CONCURRENCY); starts
   * arriving meanwhile are written together by the next one (up to 200 per
   * transaction). Without the limit a burst of starts takes every pooled connection
   * and the dispatcher, the lifecycle and the engine queue behind it.
   */
  startConcurrency: number;
}

/** Error of a step task cancelled because its step no longer needs it. */
const STOPPED: TaskErrorInfo = {
  code: 'WORKFLOW_STEP_STOPPED',
  message: 'the workflow step no longer needs this task (run cancelled or failed, or step timed out)',
  retryable: false,
};

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
const isoOf = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());

/** Builds the in-memory state of a run from its rows. */
export function toRunState(run: WorkflowRunRow, steps: WorkflowStepRow[]): RunState {
  return {
    id: run.id,
    status: run.status as WorkflowStatus,
    failed_step: run.failed_step,
    error: run.error,
    finished_at: ms(run.finished_at),
    steps: steps.map((s) => ({
      spec: s.spec as StepSpec,
      status: s.status as WorkflowStepStatus,
      attempts: s.attempts,
      task_id: s.task_id,
      batch_id: s.batch_id,
      parameters: s.parameters,
      result: s.result,
      error: s.error,
      recovered: s.recovered,
      not_before: ms(s.not_before),
      deadline_at: ms(s.deadline_at),
      started_at: ms(s.started_at),
      finished_at: ms(s.finished_at),
    })),
  };
}

function toStepRow(runId: string, s: StepState, ord: number): WorkflowStepRow {
  return {
    run_id: runId,
    step_id: s.spec.id,
    ord,
    spec: s.spec,
    status: s.status,
    attempts: s.attempts,
    task_id: s.task_id,
    batch_id: s.batch_id,
    parameters: s.parameters,
    result: s.result ?? null,
    error: s.error,
    recovered: s.recovered,
    not_before: isoOf(s.not_before),
    deadline_at: isoOf(s.deadline_at),
    started_at: isoOf(s.started_at),
    finished_at: isoOf(s.finished_at),
  };
}

/**
 * The public view of a run (seed 000 reply shape, extended).
 * @param nowMs used for `execution_time` of a running run
 */
export function toWorkflowView(run: WorkflowRunRow, steps: WorkflowStepRow[], nowMs: number): WorkflowView {
  const results: Record<string, unknown> = {};
  for (const s of steps) if (s.status === 'succeeded') results[s.step_id] = s.result;
  const end = run.finished_at ? Date.parse(run.finished_at) : nowMs;
  return {
    workflow_id: run.id,
    name: run.name,
    definition: run.definition_name ? { name: run.definition_name, version: run.definition_version as number } : null,
    schedule_id: run.schedule_id,
    status: run.status as WorkflowStatus,
    priority: run.priority as PriorityLevel,
    context_id: run.context_id,
    parameters: run.parameters,
    steps: steps.map((s): WorkflowStepView => {
      const spec = s.spec as StepSpec;
      return {
        id: s.step_id,
        type: spec.type,
        status: s.status as WorkflowStepStatus,
        depends_on: spec.depends_on,
        bot_id: spec.bot_id,
        swarm_id: spec.swarm_id,
        attempts: s.attempts,
        task_id: s.task_id,
        batch_id: s.batch_id,
        parameters: s.parameters,
        result: s.result ?? null,
        error: s.error,
        recovered: s.recovered,
        started_at: s.started_at,
        finished_at: s.finished_at,
        duration_ms: s.started_at && s.finished_at ? Date.parse(s.finished_at) - Date.parse(s.started_at) : null,
      };
    }),
    results,
    failed_step: run.failed_step,
    error: run.error,
    partial_results: run.status === 'failed' ? results : null,
    created_at: run.created_at,
    finished_at: run.finished_at,
    execution_time: Math.max(0, end - Date.parse(run.created_at)) / 1000,
  };
}

function toDefinitionView(d: WorkflowDefinitionRow): WorkflowDefinitionView {
  const spec = d.spec as StoredDefinition;
  return {
    name: d.name,
    version: d.version,
    description: d.description,
    priority: spec.priority ?? 'normal',
    context_id: spec.context_id ?? null,
    steps: spec.steps,
    created_at: d.created_at,
  };
}

/**
 * Workflows (issue 6; seed 000 `_execute_cross_bot_workflow`): submit-time checks,
 * durable runs in PostgreSQL, and their advancement. A run advances in one
 * transaction holding its row lock: the ended tasks are applied by the
 * {@link WorkflowEngine}, new step tasks are written by the {@link StepLauncher},
 * and the steps and run are updated, so a completion seen twice or two brain
 * replicas never start a step twice. Ended tasks reach it through the
 * `workflow_inbox` table (written by triggers in the transactions that end them);
 * {@link drain} applies it (on a notification, on start and periodically), so
 * steps that finished while no brain ran are picked up on start.
 */
export class WorkflowService {
  private readonly repo: WorkflowRepository;
  private readonly tasks: TaskRepository;
  private readonly starts: StartBatcher<{ prepared: PreparedRun; fairnessKey: string | null }, WorkflowView>;

  /**
   * @param ds the brain's data source
   * @param validator submit-time checks of steps
   * @param launcher creates step tasks inside a transaction
   * @param engine the state machine
   * @param config inbox batch size, fair-share cost
   * @param onQueued wakes the dispatcher after tasks were written
   * @param now clock, ms since epoch
   * @param logger reports fair-share clock advances that failed after a commit
   */
  constructor(
    ds: DataSource,
    private readonly validator: WorkflowValidator,
    private readonly launcher: StepLauncher,
    private readonly engine: WorkflowEngine,
    private readonly config: WorkflowServiceConfig,
    private readonly onQueued: () => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly logger?: Pick<Logger, 'warn'>,
  ) {
    this.repo = new WorkflowRepository(ds);
    this.tasks = new TaskRepository(ds);
    this.starts = new StartBatcher((items) => this.inTransaction((_tx, em, clocks) => this.createMany(em, items, clocks)), config.startConcurrency, 200);
  }

  /** A ledger for one transaction's fair-share clock advances. */
  ledger(): FairShareLedger {
    return new FairShareLedger(this.config.fairShareS);
  }

  /** Applies a committed transaction's fair-share clock advances (a failure only costs fairness, so it is logged). */
  async applyClocks(clocks: FairShareLedger): Promise<void> {
    await clocks.apply(this.tasks, this.now() / 1000).catch((err) => this.logger?.warn({ err }, 'fair-share clock advance failed'));
  }

  /** Runs `fn` in a transaction with a fresh ledger per attempt, then applies the ledger. */
  private async inTransaction<T>(fn: (tx: WorkflowRepository, em: EntityManager, clocks: FairShareLedger) => Promise<T>): Promise<T> {
    const clocks = this.ledger();
    const result = await this.repo.transaction((tx, em) => {
      clocks.reset();
      return fn(tx, em, clocks);
    });
    await this.applyClocks(clocks);
    return result;
  }

  /**
   * Resolves a definition (or takes the inline steps), merges the run's parameters,
   * and checks everything (no writes).
   * @throws ApiaryError `INVALID_WORKFLOW` (422), `WORKFLOW_NOT_FOUND` (unknown
   *   definition), and the validator's errors naming the step
   */
  async prepare(input: WorkflowRunInput): Promise<PreparedRun> {
    let name: string;
    let stepsIn: WorkflowStepInput[];
    let definition: PreparedRun['definition'] = null;
    let priority = input.priority;
    let contextId = input.context_id;
    if (input.definition !== undefined) {
      if (input.steps !== undefined) throw new ApiaryError('INVALID_WORKFLOW', 'steps: give a definition or steps, not both', { field: 'steps' });
      const def = await this.repo.findDefinition(input.definition, input.version);
      if (!def) {
        throw new ApiaryError(
          'WORKFLOW_NOT_FOUND',
          `definition: workflow definition "${input.definition}"${input.version ? ` version ${input.version}` : ''} not found`,
          { field: 'definition', definition: input.definition, version: input.version ?? null },
        );
      }
      const stored = def.spec as StoredDefinition;
      name = input.name ?? def.name;
      stepsIn = stored.steps;
      definition = { name: def.name, version: def.version };
      priority ??= stored.priority;
      contextId ??= stored.context_id;
    } else {
      if (input.steps === undefined) throw new ApiaryError('INVALID_WORKFLOW', 'steps: give steps (with a name) or a definition', { field: 'steps' });
      if (input.name === undefined) throw new ApiaryError('INVALID_WORKFLOW', 'name: a workflow needs a name', { field: 'name' });
      name = input.name;
      stepsIn = input.steps;
    }
    const parameters = input.parameters ?? {};
    const steps = normaliseSteps(stepsIn, parameters);
    await this.validator.validate(steps);
    return {
      name, definition, priority: priority ?? 'normal', context_id: contextId ?? null, parameters, steps,
      ...(input.max_cost_usd !== undefined ? { max_cost_usd: input.max_cost_usd } : {}),
    };
  }

  /**
   * Starts a run: checks it, writes it with the tasks of its first steps in one
   * transaction (shared with the starts that arrive while others are written, see
   * {@link StartBatcher}), wakes the dispatcher.
   * @returns the run
   * @throws see {@link prepare}
   */
  async start(req: StartWorkflowRequest): Promise<WorkflowView> {
    const prepared = await this.prepare(req);
    const view = await this.starts.submit({ prepared, fairnessKey: req.fairness_key ?? null });
    this.onQueued();
    return view;
  }

  /**
   * Writes a prepared run and the tasks of its first steps inside the caller's
   * transaction (also used by schedules, whose occurrence claim shares it).
   * @param clocks collects fair-share clock advances; apply it after the commit ({@link applyClocks})
   * @returns the run as written
   */
  async create(
    em: EntityManager,
    prepared: PreparedRun,
    opts: { fairnessKey: string | null; scheduleId?: string | null },
    clocks: FairShareLedger,
  ): Promise<WorkflowView> {
    return (await this.createMany(em, [{ prepared, ...opts }], clocks))[0];
  }

  /**
   * Writes several prepared runs and the tasks of their first steps in the caller's
   * transaction: one statement for the runs and steps, then one task insert per
   * fairness key (see {@link StartBatcher}).
   * @returns the runs as written, in order
   */
  async createMany(
    em: EntityManager,
    items: { prepared: PreparedRun; fairnessKey: string | null; scheduleId?: string | null }[],
    clocks: FairShareLedger,
  ): Promise<WorkflowView[]> {
    const nowMs = this.now();
    const runs = items.map(({ prepared, fairnessKey, scheduleId }) => {
      const row: WorkflowRunRow = {
        id: randomUUID(),
        name: prepared.name,
        definition_name: prepared.definition?.name ?? null,
        definition_version: prepared.definition?.version ?? null,
        schedule_id: scheduleId ?? null,
        status: 'running',
        priority: prepared.priority,
        context_id: prepared.context_id,
        fairness_key: fairnessKey,
        parameters: prepared.parameters,
        failed_step: null,
        error: null,
        created_at: new Date(nowMs).toISOString(),
        finished_at: null,
      };
      const state = newRunState(row.id, prepared.steps);
      return { row, state };
    });
    const tx = new WorkflowRepository(em);
    const decisions = new Map(runs.map(({ row, state }) => [row.id, this.engine.apply(state, [], nowMs)]));
    let inserted = false;
    // The runs are written before their tasks: the task insert triggers and indexes are
    // the heavier part, and a start failure is written back as an update.
    const write = async () => {
      if (inserted) return this.flush(tx, runs);
      for (const { row, state } of runs) this.applyRunState(row, state);
      await tx.insertRuns(
        runs.map((r) => r.row),
        runs.flatMap(({ row, state }) => state.steps.map((s, i) => toStepRow(row.id, s, i))),
      );
      for (const { state } of runs) {
        state.dirty = false;
        for (const s of state.steps) s.dirty = false;
      }
      inserted = true;
    };
    // A run's budget exists before any of its step tasks can finish (docs/ai-work.md "Budgets").
    for (const [i, { row }] of runs.entries()) {
      const max = items[i].prepared.max_cost_usd;
      if (max !== undefined) await BudgetRepository.upsert(em, `workflow:${row.id}`, max);
    }
    await this.execute(em, new Map(runs.map((r) => [r.row.id, r])), decisions, clocks, nowMs, write);
    return this.persist(runs, nowMs);
  }

  /** @throws ApiaryError `WORKFLOW_NOT_FOUND` */
  async get(id: string): Promise<WorkflowView> {
    const run = await this.repo.findRun(id);
    if (!run) throw new ApiaryError('WORKFLOW_NOT_FOUND', `workflow ${id} not found`, { workflow_id: id });
    return toWorkflowView(run, await this.repo.stepsOf([id]), this.now());
  }

  /** Runs newest first, optionally by status and name. */
  async list(req: ListWorkflowsRequest): Promise<WorkflowPage> {
    const { runs, next } = await this.repo.listRuns({ status: req.status, name: req.name }, req.limit ?? 100, req.cursor);
    const nowMs = this.now();
    return {
      workflows: runs.map((r) => ({
        workflow_id: r.id,
        name: r.name,
        status: r.status as WorkflowStatus,
        failed_step: r.failed_step,
        created_at: r.created_at,
        finished_at: r.finished_at,
        execution_time: Math.max(0, (r.finished_at ? Date.parse(r.finished_at) : nowMs) - Date.parse(r.created_at)) / 1000,
      })),
      next_cursor: next,
    };
  }

  /**
   * Cancels a running run: queued step tasks are cancelled (in-flight ones finish,
   * their results ignored), pending and running steps become `cancelled`. A
   * finished run is returned unchanged.
   * @throws ApiaryError `WORKFLOW_NOT_FOUND`
   */
  async cancel(id: string): Promise<WorkflowView> {
    return this.inTransaction(async (tx, em, clocks) => {
      const [run] = await tx.lockRuns([id]);
      if (!run) throw new ApiaryError('WORKFLOW_NOT_FOUND', `workflow ${id} not found`, { workflow_id: id });
      const steps = await tx.stepsOf([id]);
      if (run.status !== 'running') return toWorkflowView(run, steps, this.now());
      const nowMs = this.now();
      const state = toRunState(run, steps);
      const decision = this.engine.cancel(state, nowMs);
      const runs = [{ row: run, state }];
      await this.execute(em, new Map([[id, runs[0]]]), new Map([[id, decision]]), clocks, nowMs, () => this.flush(tx, runs));
      return this.persist(runs, nowMs)[0];
    });
  }

  /**
   * Applies the workflow inbox (ended step tasks and swarm batches), a batch of
   * events per transaction, until it is empty.
   * @returns number of events applied
   */
  async drain(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.inTransaction(async (tx, em, clocks) => {
        const events = await tx.claimInbox(this.config.drainBatch);
        if (events.length > 0) await this.advance(tx, em, clocks, events, []);
        return events.length;
      });
      total += n;
      if (n < this.config.drainBatch) break;
    }
    if (total > 0) this.onQueued();
    return total;
  }

  /**
   * Advances runs with work due by time (a retry delay passed, a step past its
   * `timeout_ms`), then drains the inbox.
   * @returns number of runs advanced by time plus inbox events applied
   */
  async sweep(): Promise<number> {
    const due = await this.repo.dueRunIds(this.config.drainBatch);
    if (due.length > 0) {
      await this.inTransaction((tx, em, clocks) => this.advance(tx, em, clocks, [], due));
      this.onQueued();
    }
    return due.length + (await this.drain());
  }

  /** Saves a definition as the next version of its name. @throws as {@link prepare} */
  async saveDefinition(req: SaveWorkflowDefinitionRequest): Promise<WorkflowDefinitionView> {
    await this.validator.validate(normaliseSteps(req.steps));
    const spec: StoredDefinition = { steps: req.steps, priority: req.priority, context_id: req.context_id };
    const row = await this.repo.transaction((tx) => tx.insertDefinition(req.name, req.description ?? null, JSON.parse(JSON.stringify(spec))));
    return toDefinitionView(row);
  }

  /** @throws ApiaryError `WORKFLOW_NOT_FOUND` */
  async getDefinition(name: string, version?: number): Promise<WorkflowDefinitionView> {
    const row = await this.repo.findDefinition(name, version);
    if (!row) throw new ApiaryError('WORKFLOW_NOT_FOUND', `workflow definition "${name}"${version ? ` version ${version}` : ''} not found`, { name, version: version ?? null });
    return toDefinitionView(row);
  }

  /** The latest version of each definition. */
  async listDefinitions(): Promise<{ definitions: WorkflowDefinitionView[] }> {
    return { definitions: (await this.repo.listDefinitions()).map(toDefinitionView) };
  }

  private async advance(
    tx: WorkflowRepository,
    em: EntityManager,
    clocks: FairShareLedger,
    events: WorkflowInboxEvent[],
    extraRunIds: string[],
  ): Promise<void> {
    const runIds = [...new Set([...events.map((e) => e.run_id), ...extraRunIds])];
    const runs = (await tx.lockRuns(runIds)).filter((r) => r.status === 'running');
    if (runs.length === 0) return;
    const nowMs = this.now();
    const stepRows = await tx.stepsOf(runs.map((r) => r.id));
    const byRun = new Map<string, { row: WorkflowRunRow; state: RunState }>();
    for (const r of runs) byRun.set(r.id, { row: r, state: toRunState(r, stepRows.filter((s) => s.run_id === r.id)) });
    const stepEvents = await this.toStepEvents(tx, em, events.filter((e) => byRun.has(e.run_id)));
    const decisions = new Map<string, EngineDecision>();
    for (const [id, { state }] of byRun) decisions.set(id, this.engine.apply(state, stepEvents.get(id) ?? [], nowMs));
    await this.execute(em, byRun, decisions, clocks, nowMs, () => this.flush(tx, [...byRun.values()]));
  }

  private async toStepEvents(tx: WorkflowRepository, em: EntityManager, events: WorkflowInboxEvent[]): Promise<Map<string, StepEvent[]>> {
    const out = new Map<string, StepEvent[]>();
    const push = (runId: string, e: StepEvent) => out.set(runId, [...(out.get(runId) ?? []), e]);
    const outcomes = new Map((await tx.taskOutcomes(events.filter((e) => e.task_id).map((e) => e.task_id as string))).map((o) => [o.id, o]));
    const tasks = new TaskRepository(em as unknown as DataSource);
    for (const e of events) {
      if (e.task_id) {
        const o = outcomes.get(e.task_id);
        if (o) push(e.run_id, { kind: 'task', step_id: e.step_id, task_id: o.id, status: o.status, result: o.result, error: o.error });
      } else if (e.batch_id) {
        const p = await tasks.batchProgress(e.batch_id);
        if (!p || p.queued + p.running > 0) continue;
        const result = reducerFor(p.type)(await tasks.batchResults(e.batch_id));
        push(e.run_id, { kind: 'batch', step_id: e.step_id, batch_id: e.batch_id, total: p.total, failed: p.failed, result });
      }
    }
    return out;
  }

  /**
   * Carries out decisions: cancels what they cancel, writes the runs and steps
   * (`write`), then creates the started tasks; start failures are fed back to the
   * engine (and written again) until nothing more happens.
   */
  private async execute(
    em: EntityManager,
    runs: Map<string, { row: WorkflowRunRow; state: RunState }>,
    decisions: Map<string, EngineDecision>,
    clocks: FairShareLedger,
    nowMs: number,
    write: () => Promise<void>,
  ): Promise<void> {
    const tx = new WorkflowRepository(em);
    for (let round = 0; round < 1000; round++) {
      const items = [...decisions.entries()].flatMap(([runId, d]) => {
        const { row, state } = runs.get(runId) as { row: WorkflowRunRow; state: RunState };
        return d.starts.map((start) => ({ run: row, step: (state.steps.find((s) => s.spec.id === start.step_id) as StepState).spec, start }));
      });
      const cancelTasks = [...decisions.values()].flatMap((d) => d.cancelTasks);
      const cancelBatches = [...decisions.values()].flatMap((d) => d.cancelBatches);
      await tx.cancelTasks(cancelTasks, cancelBatches, STOPPED, 'workflow_stopped');
      await write();
      const failures = await this.launcher.launch(em, items, clocks, nowMs);
      if (failures.length === 0) return;
      decisions = new Map();
      for (const f of failures) {
        const state = runs.get(f.runId)?.state;
        if (state) decisions.set(f.runId, this.engine.apply(state, [f.event], nowMs));
      }
    }
  }

  private applyRunState(row: WorkflowRunRow, state: RunState): void {
    row.status = state.status;
    row.failed_step = state.failed_step;
    row.error = state.error;
    row.finished_at = isoOf(state.finished_at);
  }

  /** Copies states into their rows. @returns the views */
  private persist(runs: { row: WorkflowRunRow; state: RunState }[], nowMs: number): WorkflowView[] {
    for (const { row, state } of runs) this.applyRunState(row, state);
    return runs.map(({ row, state }) => toWorkflowView(row, state.steps.map((s, i) => toStepRow(row.id, s, i)), nowMs));
  }

  /** Writes the runs and steps changed since the last write. */
  private async flush(tx: WorkflowRepository, runs: { row: WorkflowRunRow; state: RunState }[]): Promise<void> {
    for (const { row, state } of runs) this.applyRunState(row, state);
    await tx.updateRuns(runs.filter((r) => r.state.dirty).map((r) => r.row));
    await tx.updateSteps(runs.flatMap(({ row, state }) => state.steps.map((s, i) => ({ s, i })).filter(({ s }) => s.dirty).map(({ s, i }) => toStepRow(row.id, s, i))));
    for (const { state } of runs) {
      state.dirty = false;
      for (const s of state.steps) s.dirty = false;
    }
  }
}
