import { Consumer, headers, JetStreamClient, JetStreamManager, JsMsg, JSONCodec, nanos } from 'nats';
import type { Logger } from 'pino';
import {
  TASK_HEARTBEAT,
  TASK_STARTED,
  TaskCompletedEvent,
  TaskErrorInfo,
  TaskStartedEvent,
  WORK_STREAM,
  WorkMessage,
  laneOf,
  SERVICE_LANE,
  workConsumerName,
  workSubject,
  taskParamsDigest,
} from '@apiary/contracts';
import { ensureConsumer } from '@apiary/service-kit';
import { currentTraceCarrier, extractTraceContext, injectTraceHeaders, SpanKind, withSpan } from '@apiary/telemetry';
import { ContextSource, TaskContextData } from '../context/context-source';
import { HandlerError, ServiceCalls, TaskHandler } from '../handlers/task-handler';
import { Slots } from './slots';
import { CompletionBatcher } from './completion-batcher';

/** Tunables of {@link WorkRunner}. */
export interface WorkRunnerConfig {
  /** Most tasks run at once by this replica. */
  concurrency: number;
  /** JetStream AckWait, ms: an unacked delivery is redelivered after it. */
  ackWaitMs: number;
  /** JetStream MaxDeliver per message. */
  maxDeliver: number;
  /** Interval of in-progress acks and heartbeat events for a running task, ms. */
  heartbeatMs: number;
  /** Time in-flight tasks get to finish on shutdown, ms. */
  graceMs: number;
  /** A task still running after this many ms publishes a `started` event (0: at once). */
  startedDelayMs: number;
}

const workCodec = JSONCodec<WorkMessage>();
const eventCodec = JSONCodec<unknown>();

/**
 * The bot-runtime worker (DESIGN.md "bot-runtime", "Messaging"): one pull loop per
 * lane on the shared durable consumer of that lane (replicas share the work),
 * bounded by a replica-wide slot count. Lanes: one per handler type, plus
 * `service` (SERVICE_LANE) when the `http` handler is served: tasks whose type is a
 * capability of registered services, run by the handler the work message names
 * (`handler ?? type`). For each delivery: publish `started`, run
 * the handler while sending in-progress acks and heartbeats, publish `completed`
 * (with the routed-service calls the handler recorded, and `exhausted` errors)
 * (JetStream-acknowledged, `Nats-Msg-Id: <task>:<attempt>:done`), and only then ack
 * the work message. A replica killed mid-task never acks, so JetStream redelivers
 * after AckWait: at-least-once execution; the brain and memory make the effect
 * exactly-once.
 */
export class WorkRunner {
  private readonly slots: Slots;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly inFlight = new Map<string, AbortController>();
  private readonly completions: CompletionBatcher;

  /**
   * @param js JetStream client
   * @param jsm JetStream manager (consumers are declared on start)
   * @param handlers handlers by task type; one lane each (and the service lane for `http`)
   * @param config concurrency, ack wait, max deliver, heartbeat, grace
   * @param runner replica id reported in events
   * @param logger logger
   * @param contexts reads the memory context of tasks that name one (issue 5)
   */
  constructor(
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly handlers: Map<string, TaskHandler>,
    private readonly config: WorkRunnerConfig,
    private readonly runner: string,
    private readonly logger: Logger,
    private readonly contexts?: ContextSource,
  ) {
    this.slots = new Slots(config.concurrency);
    this.completions = new CompletionBatcher(js, runner);
  }

  /** Tasks running now. */
  get busy(): number {
    return this.slots.inUse;
  }

  /** Lanes this replica pulls: one per handler type, plus `service` when it serves `http`. */
  get lanes(): string[] {
    const lanes = new Set([...this.handlers.keys()].map(laneOf));
    if (this.handlers.has('http')) lanes.add(SERVICE_LANE);
    return [...lanes];
  }

  /** Declares the lane consumers and starts pulling. */
  async start(): Promise<void> {
    this.running = true;
    for (const lane of this.lanes) {
      await ensureConsumer(this.jsm, WORK_STREAM, {
        durable_name: workConsumerName(lane),
        filter_subject: workSubject(lane),
        ack_wait: nanos(this.config.ackWaitMs),
        max_deliver: this.config.maxDeliver,
        max_ack_pending: 20_000,
      });
      const consumer = await this.js.consumers.get(WORK_STREAM, workConsumerName(lane));
      this.loops.push(this.pull(lane, consumer));
    }
    this.logger.info({ lanes: this.lanes, concurrency: this.config.concurrency }, 'work runner started');
  }

  /**
   * Stops pulling and waits up to the grace period for running tasks; tasks
   * still running then are aborted and negatively acknowledged (JetStream redelivers them at once).
   */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    // Tasks waiting for a provider's quota hold no slot but are in flight: wait for both.
    const deadline = Date.now() + this.config.graceMs;
    const idle = (await this.slots.idle(this.config.graceMs)) && (await this.drained(deadline));
    if (!idle) {
      this.logger.warn({ tasks: this.inFlight.size }, 'grace period over; aborting running tasks (they will be redelivered)');
      for (const c of this.inFlight.values()) c.abort();
      await this.slots.idle(2000);
      await this.drained(Date.now() + 2000);
    }
  }

  private async drained(deadline: number): Promise<boolean> {
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return this.inFlight.size === 0;
  }

  private async pull(lane: string, consumer: Consumer): Promise<void> {
    while (this.running) {
      try {
        await this.slots.waitForFree();
        if (!this.running) break;
        const batch = Math.max(1, Math.min(this.slots.free, 64));
        const messages = await consumer.fetch({ max_messages: batch, expires: 1000 });
        for await (const m of messages) {
          await this.slots.acquire();
          void this.execute(m).finally(() => this.slots.release());
        }
      } catch (err) {
        if (!this.running) break;
        this.logger.warn({ err, lane }, 'fetch failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  private async execute(m: JsMsg): Promise<void> {
    let work: WorkMessage;
    try {
      work = workCodec.decode(m.data);
      if (typeof work.task_id !== 'string' || !Number.isInteger(work.attempt)) throw new Error('bad work message');
    } catch (err) {
      this.logger.error({ err, subject: m.subject, seq: m.seq }, 'malformed work message terminated');
      m.term();
      return;
    }
    await withSpan(`run ${work.type}`, () => this.runTask(m, work), {
      kind: SpanKind.CONSUMER,
      parent: extractTraceContext(m.headers),
      attributes: { 'apiary.task_id': work.task_id, 'apiary.attempt': work.attempt, 'apiary.redelivery': m.info.redeliveryCount },
    });
  }

  private async runTask(m: JsMsg, work: WorkMessage): Promise<void> {
    const abort = new AbortController();
    const key = `${work.task_id}:${work.attempt}:${m.seq}`;
    this.inFlight.set(key, abort);
    const startedAt = new Date();
    const started: TaskStartedEvent = { task_id: work.task_id, attempt: work.attempt, runner: this.runner, at: startedAt.toISOString() };
    // A task that ends within startedDelayMs reports its start in the completion
    // (started_at) instead: one message fewer per short task.
    const startedTimer = setTimeout(() => {
      this.publishEvent(TASK_STARTED, started).catch((err) => this.logger.warn({ err }, 'started event not published'));
    }, this.config.startedDelayMs);
    const heartbeat = setInterval(() => {
      m.working();
      this.publishEvent(TASK_HEARTBEAT, { ...started, at: new Date().toISOString() }).catch(() => undefined);
    }, this.config.heartbeatMs);
    const t0 = performance.now();
    let success = false;
    let result: unknown = null;
    let error: TaskErrorInfo | null = null;
    let serviceCalls: ServiceCalls | undefined;
    const handlerName = work.handler ?? work.type;
    try {
      const handler = this.handlers.get(handlerName);
      if (!handler) throw new HandlerError('NO_HANDLER', `no handler ${handlerName} for ${work.type} on this runtime`, true);
      let context: TaskContextData | null = null;
      if (work.context_id) {
        if (!this.contexts) throw new HandlerError('CONTEXT_NOT_FOUND', `no context source on this runtime for "${work.context_id}"`, true);
        context = await this.contexts.get(work.context_id);
      }
      result = await handler.run(work.data ?? {}, {
        context,
        taskId: work.task_id,
        attempt: work.attempt,
        taskType: work.type,
        priority: work.priority,
        signal: abort.signal,
        recordServiceCalls: (calls) => (serviceCalls = calls),
        yieldSlot: async <T>(wait: Promise<T>): Promise<T> => {
          this.slots.release();
          try {
            return await wait;
          } finally {
            await this.slots.acquire();
          }
        },
      });
      success = true;
    } catch (err) {
      error =
        err instanceof HandlerError
          ? {
              code: err.code,
              message: err.message,
              retryable: err.retryable,
              ...(err.exhausted ? { exhausted: true } : {}),
              ...(err.deferred ? { deferred: true, retry_after_ms: Math.max(1, Math.round(err.retryAfterMs ?? 1000)) } : {}),
            }
          : { code: 'HANDLER_ERROR', message: (err as Error)?.message ?? String(err), retryable: false };
    } finally {
      clearTimeout(startedTimer);
      clearInterval(heartbeat);
      this.inFlight.delete(key);
    }
    if (abort.signal.aborted) {
      // Shutting down past the grace period: hand the message back now, so another
      // replica gets it without waiting for AckWait (nothing was recorded for it).
      m.nak();
      return;
    }
    const finishedAt = new Date();
    const completed: TaskCompletedEvent = {
      task_id: work.task_id,
      type: work.type,
      attempt: work.attempt,
      success,
      result: success ? (result ?? null) : null,
      error,
      handler: handlerName,
      runner: this.runner,
      started_at: startedAt.toISOString(),
      finished_at: finishedAt.toISOString(),
      latency_ms: Math.round((performance.now() - t0) * 1000) / 1000,
      traceparent: currentTraceCarrier().traceparent,
      ...(work.bot_id ? { bot_id: work.bot_id } : {}),
      ...(work.swarm_id ? { swarm_id: work.swarm_id } : {}),
      ...(work.context_id ? { context_id: work.context_id } : {}),
      ...(work.api_key ? { api_key: work.api_key } : {}),
    };
    const params = taskParamsDigest(work.data);
    if (params) completed.params = params;
    if (serviceCalls) {
      if (serviceCalls.service !== undefined) completed.service = serviceCalls.service;
      completed.calls = serviceCalls.calls;
      if (success) {
        if (serviceCalls.model !== undefined) completed.model = serviceCalls.model;
        if (serviceCalls.usage !== undefined) completed.usage = serviceCalls.usage;
        if (serviceCalls.cost_usd !== undefined) completed.cost_usd = serviceCalls.cost_usd;
      }
    }
    try {
      await this.completions.add(completed);
      m.ack();
    } catch (err) {
      this.logger.warn({ err, task_id: work.task_id }, 'completion not published; message will be redelivered');
      m.nak(1000);
    }
  }

  private publishEvent(subject: string, payload: unknown, msgID?: string): Promise<unknown> {
    const h = headers();
    injectTraceHeaders(h);
    return this.js.publish(subject, eventCodec.encode(payload), { headers: h, ...(msgID ? { msgID } : {}) });
  }
}
