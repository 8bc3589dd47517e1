import { headers, JetStreamClient, JSONCodec } from 'nats';
import type { Logger } from 'pino';
import { WorkMessage } from '@apiary/contracts';
import type { ClaimedTask, TaskRepository } from '@apiary/persistence';
import { contextFromCarrier, injectTraceHeaders, SpanKind, withSpan } from '@apiary/telemetry';
import type { LaneResolver } from './lane-resolver';
import { AdmissionGate, AdmissionSource } from './admission-gate';

/** Tunables of {@link Dispatcher}. */
export interface DispatcherConfig {
  /** Most tasks in flight (`dispatched` + `running`) at once. */
  window: number;
  /** Tasks claimed per round trip. */
  batch: number;
  /** Idle poll interval, ms. */
  intervalMs: number;
  /** Lease of a dispatched attempt, ms. */
  leaseMs: number;
}

/** Publishes work to a JetStream subject (port; nats.js `JetStreamClient` in production). */
export type WorkPublisher = Pick<JetStreamClient, 'publish'>;

type DispatchRepository = Pick<TaskRepository, 'transaction' | 'countInFlight' | 'requeueDueRetries' | 'hasQueuedRouted'>;

/** The gate of routed tasks under provider limits (absent: nothing is gated). */
export interface DispatchGate {
  source: AdmissionSource;
  gate: AdmissionGate;
}

const codec = JSONCodec<WorkMessage>();

/**
 * The outbox relay (DESIGN.md "Messaging": a task is written before it is
 * published). Each round: re-queue retries whose backoff elapsed; then, while
 * fewer than `window` tasks are in flight, lock the highest-ranked queued tasks
 * (`FOR UPDATE SKIP LOCKED`, so brain replicas share the work), publish each to its
 * lane with `Nats-Msg-Id: <task>:<attempt>` (JetStream drops a re-publish after a
 * crash), and mark them `dispatched` with a lease, in the same transaction.
 * Holding the priority queue in PostgreSQL and only a window in JetStream is what
 * makes higher scores run first.
 */
export class Dispatcher {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;

  /**
   * @param repo task storage
   * @param lanes type → lane resolution
   * @param js JetStream publisher
   * @param config window, batch, interval, lease
   * @param logger logger
   * @param admission gate of routed tasks under provider limits (docs/ai-work.md "Rate limits")
   */
  constructor(
    private readonly repo: DispatchRepository,
    private readonly lanes: LaneResolver,
    private readonly js: WorkPublisher,
    private readonly config: DispatcherConfig,
    private readonly logger: Logger,
    private readonly admission?: DispatchGate,
  ) {}

  /** Starts the relay loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Wakes the loop now (called after a submit). */
  nudge(): void {
    this.wake?.();
  }

  /** Stops the loop after the current round. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let dispatched = 0;
      try {
        dispatched = await this.round();
      } catch (err) {
        this.logger.warn({ err }, 'dispatch round failed; retrying');
        await this.sleep(Math.max(this.config.intervalMs, 500));
        continue;
      }
      if (dispatched < this.config.batch) await this.sleep(this.config.intervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = done;
    });
  }

  /**
   * One relay round.
   * @returns number of tasks dispatched
   */
  async round(): Promise<number> {
    await this.repo.requeueDueRetries(this.config.batch);
    const room = this.config.window - (await this.repo.countInFlight());
    if (room <= 0) return 0;
    const gate = this.admission?.gate;
    // The router is asked for admission rates only while routed tasks wait.
    if (this.admission && gate && (await this.repo.hasQueuedRouted())) gate.update(await this.admission.source.groups());
    const gated = gate?.gated() ?? [];
    const gatedSet = new Set(gated);
    return this.repo.transaction(async (tx) => {
      const limit = Math.min(room, this.config.batch);
      let claimed = await tx.lockQueued(limit, gated);
      if (gate && gated.length > 0 && claimed.length < limit) {
        // Gated groups: each as many as its bucket allows, in rank order.
        const left = limit - claimed.length;
        const allowances = gate.allowances().map((a) => ({ group: a.group, limit: Math.min(a.limit, left) }));
        const more = await tx.lockQueuedInGroups(allowances);
        claimed = [...claimed, ...more];
      }
      const tasks = thinPerBot(claimed);
      if (gate) for (const t of tasks) if (t.quota_group && gatedSet.has(t.quota_group)) gate.take(t.quota_group, 1);
      if (tasks.length === 0) return 0;
      const { routes } = await this.lanes.resolve(tasks.map((t) => t.type));
      const now = new Date().toISOString();
      const results = await Promise.allSettled(
        tasks.map(async (task) => {
          const route = routes.get(task.type);
          if (!route) throw new Error(`no lane for type ${task.type}`);
          await this.publish(task, route.subject, now, route.handler);
          return { id: task.id, lane: route.lane, attempt: task.attempts + 1 };
        }),
      );
      const published = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failures.length > 0) {
        this.logger.warn({ failed: failures.length, reason: String(failures[0].reason) }, 'some tasks were not published; they stay queued');
      }
      await tx.markDispatched(published, this.config.leaseMs);
      return published.length;
    });
  }

  private publish(task: ClaimedTask, subject: string, now: string, handler: string): Promise<unknown> {
    const attempt = task.attempts + 1;
    return withSpan(
      `publish ${subject}`,
      async () => {
        const h = headers();
        injectTraceHeaders(h);
        const message: WorkMessage = {
          task_id: task.id,
          type: task.type,
          data: task.data,
          attempt,
          priority: task.priority,
          score: task.score,
          dispatched_at: now,
          ...(handler !== task.type ? { handler } : {}),
          ...(task.context_id ? { context_id: task.context_id } : {}),
          ...(task.bot_id ? { bot_id: task.bot_id } : {}),
          ...(task.swarm_id ? { swarm_id: task.swarm_id } : {}),
          ...(task.submitted_by ? { api_key: task.submitted_by } : {}),
        };
        return this.js.publish(subject, codec.encode(message), { msgID: `${task.id}:${attempt}`, headers: h });
      },
      {
        kind: SpanKind.PRODUCER,
        parent: contextFromCarrier(task.trace_carrier),
        attributes: { 'apiary.task_id': task.id, 'apiary.attempt': attempt, 'messaging.destination.name': subject },
      },
    );
  }
}

/**
 * Keeps, per bot, only as many claimed tasks as its free concurrency allows
 * (`bot_max_concurrency − bot_in_flight`), in rank order; the rest stay queued.
 * @param tasks claimed tasks in rank order
 */
export function thinPerBot(tasks: ClaimedTask[]): ClaimedTask[] {
  const taken = new Map<string, number>();
  return tasks.filter((t) => {
    if (!t.bot_id) return true;
    const n = taken.get(t.bot_id) ?? 0;
    if ((t.bot_in_flight ?? 0) + n >= (t.bot_max_concurrency ?? 1)) return false;
    taken.set(t.bot_id, n + 1);
    return true;
  });
}
