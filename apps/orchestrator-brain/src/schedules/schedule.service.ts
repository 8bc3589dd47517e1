import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import {
  ApiaryError,
  CreateScheduleRequest,
  ListScheduleRunsRequest,
  PriorityLevel,
  ScheduledTaskInput,
  ScheduleList,
  ScheduleRunPage,
  ScheduleView,
  WorkflowRunInput,
} from '@apiary/contracts';
import { NewTaskRow, ScheduleRepository, ScheduleRow, TaskRepository, WorkflowRepository } from '@apiary/persistence';
import type { LaneResolver } from '../dispatch/lane-resolver';
import type { PriorityPolicy } from '../priority/priority.service';
import type { FairShareLedger } from '../workflows/step-launcher';
import type { WorkflowService } from '../workflows/workflow.service';
import { checkStepData } from '../workflows/workflow-validator';
import { CronSchedule, decideDue } from './cron';

/** Tunables of {@link ScheduleService}. */
export interface ScheduleConfig {
  /** An occurrence later than this is missed (catch_up decides), ms. */
  misfireMs: number;
  /** Attempts per submitted task. */
  maxAttempts: number;
}

/** @returns the error re-thrown with its field under `prefix` (e.g. `workflow.steps.2.type`) */
function prefixed(e: unknown, prefix: string): unknown {
  if (!(e instanceof ApiaryError)) return e;
  const details = e.details && typeof e.details === 'object' && !Array.isArray(e.details) && 'field' in e.details
    ? { ...(e.details as Record<string, unknown>), field: `${prefix}.${(e.details as { field: string }).field}` }
    : Array.isArray(e.details)
      ? (e.details as { field?: string }[]).map((d) => (d.field ? { ...d, field: `${prefix}.${d.field}` } : d))
      : e.details;
  return new ApiaryError(e.code, `${prefix}.${e.message}`, details);
}

function toView(s: ScheduleRow): ScheduleView {
  return {
    schedule_id: s.id,
    name: s.name,
    cron: s.cron,
    timezone: s.timezone,
    status: s.status,
    catch_up: s.catch_up,
    workflow: (s.target.workflow as WorkflowRunInput | undefined) ?? null,
    task: (s.target.task as ScheduledTaskInput | undefined) ?? null,
    next_run_at: s.next_run_at,
    last_run_at: s.last_run_at,
    created_at: s.created_at,
  };
}

/**
 * Cron schedules (issue 6; seed 004 `schedule_workflow`): CRUD, pause and resume,
 * and {@link fireDue}, which every brain replica calls periodically. Each due
 * occurrence is claimed inside one transaction that also creates what it starts:
 * the schedule row is locked with SKIP LOCKED, `next_run_at` moves only from the
 * value read (`UPDATE … WHERE next_run_at = $old`), and `schedule_runs` has the
 * key (schedule, occurrence); so an occurrence fires exactly once across replicas,
 * and never without its workflow run or task (or with one but unrecorded).
 */
export class ScheduleService {
  private readonly repo: ScheduleRepository;

  /**
   * @param ds the brain's data source
   * @param workflows checks and creates workflow runs
   * @param lanes type checks of scheduled tasks
   * @param priority scores and ranks of scheduled tasks
   * @param config misfire threshold, attempts
   * @param onQueued wakes the dispatcher
   */
  constructor(
    ds: DataSource,
    private readonly workflows: WorkflowService,
    private readonly lanes: LaneResolver,
    private readonly priority: PriorityPolicy,
    private readonly config: ScheduleConfig,
    private readonly onQueued: () => void = () => undefined,
  ) {
    this.repo = new ScheduleRepository(ds);
  }

  /**
   * Creates a schedule; its first occurrence is the first after now.
   * @throws ApiaryError `INVALID_SCHEDULE` (bad cron, time zone, neither or both of
   *   workflow and task, no future occurrence), `SCHEDULE_EXISTS` (name taken), and
   *   the workflow's or task's submit errors under `workflow.` / `task.`
   */
  async create(req: CreateScheduleRequest): Promise<ScheduleView> {
    const cron = new CronSchedule(req.cron, req.timezone ?? 'UTC');
    if (req.workflow && req.task) throw new ApiaryError('INVALID_SCHEDULE', 'task: give workflow or task, not both', { field: 'task' });
    if (req.workflow) await this.workflows.prepare(req.workflow).catch((e) => Promise.reject(prefixed(e, 'workflow')));
    else if (req.task) await this.checkTask(req.task).catch((e) => Promise.reject(prefixed(e, 'task')));
    else throw new ApiaryError('INVALID_SCHEDULE', 'workflow: give workflow or task', { field: 'workflow' });
    const next = cron.next(await this.repo.now());
    if (!next) throw new ApiaryError('INVALID_SCHEDULE', `cron: "${req.cron}" has no future occurrence`, { field: 'cron' });
    const row = await this.repo.insert({
      id: randomUUID(),
      name: req.name,
      cron: req.cron,
      timezone: cron.timezone,
      target: JSON.parse(JSON.stringify(req.workflow ? { workflow: req.workflow } : { task: req.task })),
      catch_up: req.catch_up ?? false,
      status: 'active',
      fairness_key: req.fairness_key ?? null,
      next_run_at: next.toISOString(),
    });
    if (!row) throw new ApiaryError('SCHEDULE_EXISTS', `name: a schedule named "${req.name}" exists`, { field: 'name', name: req.name });
    return toView(row);
  }

  /** Every schedule, by name. */
  async list(): Promise<ScheduleList> {
    return { schedules: (await this.repo.list()).map(toView) };
  }

  /** @throws ApiaryError `SCHEDULE_NOT_FOUND` */
  async get(id: string): Promise<ScheduleView> {
    return toView(this.found(await this.repo.find(id), id));
  }

  /** Deletes a schedule and its run history. @throws ApiaryError `SCHEDULE_NOT_FOUND` */
  async delete(id: string): Promise<ScheduleView> {
    return toView(this.found(await this.repo.delete(id), id));
  }

  /** Pauses: no occurrence fires until resumed (those in between are skipped). @throws ApiaryError `SCHEDULE_NOT_FOUND` */
  async pause(id: string): Promise<ScheduleView> {
    return toView(this.found(await this.repo.setStatus(id, 'paused', null), id));
  }

  /** Resumes from the first occurrence after now. @throws ApiaryError `SCHEDULE_NOT_FOUND` */
  async resume(id: string): Promise<ScheduleView> {
    const s = this.found(await this.repo.find(id), id);
    if (s.status === 'active') return toView(s);
    const next = new CronSchedule(s.cron, s.timezone).next(await this.repo.now());
    return toView(this.found(await this.repo.setStatus(id, 'active', next?.toISOString() ?? null), id));
  }

  /** A schedule's handled occurrences, newest first. @throws ApiaryError `SCHEDULE_NOT_FOUND` */
  async runs(req: ListScheduleRunsRequest): Promise<ScheduleRunPage> {
    this.found(await this.repo.find(req.schedule_id), req.schedule_id);
    const { runs, next } = await this.repo.runs(req.schedule_id, req.limit ?? 100, req.cursor);
    return { runs: runs.map((r) => ({ ...r })), next_cursor: next };
  }

  /**
   * Fires every due occurrence of up to `limit` schedules (one transaction).
   * @returns occurrences recorded (fired, skipped or failed)
   */
  async fireDue(limit = 50): Promise<number> {
    let recorded = 0;
    let fired = false;
    const clocks = this.workflows.ledger();
    await this.repo.transaction(async (tx, em) => {
      recorded = 0;
      fired = false;
      clocks.reset();
      const due = await tx.lockDue(limit);
      if (due.length === 0) return;
      const now = await tx.now();
      for (const s of due) {
        let cron: CronSchedule;
        try {
          cron = new CronSchedule(s.cron, s.timezone);
        } catch {
          await tx.advance(s.id, s.next_run_at as string, null, null);
          continue;
        }
        const decision = decideDue(cron, new Date(s.next_run_at as string), now, this.config.misfireMs, s.catch_up);
        const lastFired = decision.actions.filter((a) => a.kind === 'fire').pop()?.occurrence ?? null;
        if (!(await tx.advance(s.id, s.next_run_at as string, decision.next?.toISOString() ?? null, lastFired?.toISOString() ?? null))) continue;
        for (const a of decision.actions) {
          const base = { schedule_id: s.id, occurrence: a.occurrence.toISOString(), missed: a.missed };
          if (a.kind === 'skip') {
            if (await tx.insertRun({ ...base, status: 'skipped', workflow_id: null, task_id: null, error: null })) recorded++;
            continue;
          }
          let outcome: { workflow_id: string | null; task_id: string | null; error: { code: string; message: string } | null };
          try {
            outcome = await this.start(em, s, clocks);
            fired = true;
          } catch (e) {
            if (!(e instanceof ApiaryError)) throw e;
            outcome = { workflow_id: null, task_id: null, error: { code: e.code, message: e.message } };
          }
          if (await tx.insertRun({ ...base, status: outcome.error ? 'error' : 'fired', ...outcome })) recorded++;
        }
      }
    });
    await this.workflows.applyClocks(clocks);
    if (fired) this.onQueued();
    return recorded;
  }

  private async start(em: EntityManager, s: ScheduleRow, clocks: FairShareLedger): Promise<{ workflow_id: string | null; task_id: string | null; error: null }> {
    const target = s.target as { workflow?: WorkflowRunInput; task?: ScheduledTaskInput };
    if (target.workflow) {
      const prepared = await this.workflows.prepare(target.workflow);
      const view = await this.workflows.create(em, prepared, { fairnessKey: s.fairness_key, scheduleId: s.id }, clocks);
      return { workflow_id: view.workflow_id, task_id: null, error: null };
    }
    const task = target.task as ScheduledTaskInput;
    await this.checkTask(task);
    const tasks = new TaskRepository(em as unknown as DataSource);
    const priority: PriorityLevel = task.priority ?? 'normal';
    const score = this.priority.score(priority, task.type);
    const nowMs = Date.now();
    const startS = await clocks.reserve(new WorkflowRepository(em), s.fairness_key ?? '', 1, nowMs / 1000);
    const row: NewTaskRow = {
      id: randomUUID(),
      type: task.type,
      data: task.data ?? {},
      priority,
      score,
      rank: this.priority.rank(score, (startS + clocks.costS) * 1000),
      max_attempts: this.config.maxAttempts,
      idempotency_key: null,
      batch_id: null,
      fairness_key: s.fairness_key,
      trace_carrier: null,
      created_at: new Date(nowMs).toISOString(),
      context_id: task.context_id ?? null,
    };
    await tasks.insertMany([row]);
    return { workflow_id: null, task_id: row.id, error: null };
  }

  private async checkTask(task: ScheduledTaskInput): Promise<void> {
    const { unknown, disabled } = await this.lanes.resolve([task.type]);
    if (unknown.length > 0) throw new ApiaryError('UNKNOWN_TASK_TYPE', `type: unknown task type "${task.type}"`, { field: 'type' });
    if (disabled.length > 0) throw new ApiaryError('MODULE_DISABLED', `type: the module serving "${task.type}" is disabled`, { field: 'type' });
    checkStepData(task.type, task.data ?? {}, 'data');
  }

  private found(s: ScheduleRow | undefined, id: string): ScheduleRow {
    if (!s) throw new ApiaryError('SCHEDULE_NOT_FOUND', `schedule ${id} not found`, { schedule_id: id });
    return s;
  }
}
