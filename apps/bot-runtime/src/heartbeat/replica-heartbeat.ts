import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { ReplicaHeartbeat, ReplicaState, RUNTIME_HEARTBEAT } from '@apiary/contracts';
import type { HandlerContext, TaskHandler } from '../handlers/task-handler';
import { processLimits, ProcessLimits, ProcessReading, ProcessStats } from './process-stats';

/** Where heartbeats go: a NATS connection's `publish` and `flush` (tests pass a recorder). */
export interface HeartbeatSink {
  publish(subject: string, data: Uint8Array): void;
  flush(): Promise<void>;
}

/** What the replica reports about its worker (the `WorkRunner`). */
export interface WorkerView {
  /** Tasks running now. */
  readonly busy: number;
  /** Lanes it pulls. */
  readonly lanes: string[];
}

/** Tunables of {@link ReplicaHeartbeatPublisher}. */
export interface ReplicaHeartbeatOptions {
  /** Publish interval, ms. */
  intervalMs: number;
  /** Task slots of this replica (`APIARY_RUNTIME_CONCURRENCY`). */
  concurrency: number;
}

/** Process readings and limits; the real ones by default, fixed ones in tests. */
export interface ProcessProbe {
  read(): ProcessReading;
  limits(): ProcessLimits;
  stop(): void;
}

const encoder = new TextEncoder();

/**
 * Publishes this replica's heartbeat on `apiary.runtime.heartbeat` every
 * `intervalMs` (issue 7 "Signals": instance id, CPU %, RSS, event-loop lag,
 * in-flight tasks, capabilities), plus the cumulative count and busy time of the
 * handler runs it finished, from which the scaler measures throughput and
 * capacity per replica. On shutdown it reports `draining` at once (the scaler no
 * longer counts it), and `stopped` after the worker has drained.
 */
export class ReplicaHeartbeatPublisher {
  private timer?: NodeJS.Timeout;
  private worker?: WorkerView;
  private capabilities: string[] = [];
  private state: ReplicaState = 'running';
  private seq = 0;
  private completed = 0;
  private failed = 0;
  private busyMs = 0;
  private readonly startedAt = new Date().toISOString();
  private readonly host = hostname();

  /**
   * @param sink NATS connection (publish + flush)
   * @param instanceId replica id
   * @param options interval and concurrency
   * @param logger logger
   * @param probe process readings (default: this process)
   * @param clock wall clock for `at` (default `Date.now`)
   */
  constructor(
    private readonly sink: HeartbeatSink,
    private readonly instanceId: string,
    private readonly options: ReplicaHeartbeatOptions,
    private readonly logger: Logger,
    private readonly probe: ProcessProbe = defaultProbe(),
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Wraps handlers so that every finished run is counted (success or failure) with
   * its wall time. The map keys (task types) become the reported capabilities.
   * @param handlers handlers by type
   * @returns a map of the same handlers, counted
   */
  instrument(handlers: Map<string, TaskHandler>): Map<string, TaskHandler> {
    this.capabilities = [...handlers.keys()].sort();
    const counted = new Map<string, TaskHandler>();
    for (const [type, h] of handlers) {
      counted.set(type, {
        type: h.type,
        run: async (data: Record<string, unknown>, ctx: HandlerContext) => {
          const t0 = performance.now();
          let ok = false;
          try {
            const result = await h.run(data, ctx);
            ok = true;
            return result;
          } finally {
            this.completed++;
            if (!ok) this.failed++;
            this.busyMs += performance.now() - t0;
          }
        },
      });
    }
    return counted;
  }

  /**
   * Publishes now and every interval.
   * @param worker the running worker (in-flight tasks, lanes)
   */
  start(worker: WorkerView): void {
    this.worker = worker;
    this.beat();
    this.timer ??= setInterval(() => this.beat(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Reports `draining` at once (SIGTERM received: no more pulls). */
  draining(): void {
    this.state = 'draining';
    this.beat();
  }

  /** Reports `stopped` (its last heartbeat), flushes it, and stops publishing. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.state = 'stopped';
    this.beat();
    this.probe.stop();
    await this.sink.flush().catch((err) => this.logger.warn({ err }, 'last heartbeat not flushed'));
  }

  /** @returns the heartbeat that would be published now (advances the sequence). */
  snapshot(): ReplicaHeartbeat {
    const reading = this.probe.read();
    const limits = this.probe.limits();
    return {
      instance_id: this.instanceId,
      host: this.host,
      pid: process.pid,
      state: this.state,
      seq: ++this.seq,
      started_at: this.startedAt,
      at: new Date(this.clock()).toISOString(),
      interval_ms: this.options.intervalMs,
      ...reading,
      ...limits,
      in_flight: this.worker?.busy ?? 0,
      concurrency: this.options.concurrency,
      capabilities: this.capabilities,
      lanes: this.worker?.lanes ?? [],
      completed: this.completed,
      failed: this.failed,
      busy_ms: Math.round(this.busyMs),
    };
  }

  private beat(): void {
    try {
      this.sink.publish(RUNTIME_HEARTBEAT, encoder.encode(JSON.stringify(this.snapshot())));
    } catch (err) {
      this.logger.warn({ err }, 'heartbeat not published');
    }
  }
}

function defaultProbe(): ProcessProbe {
  const stats = new ProcessStats();
  const limits = processLimits();
  return { read: () => stats.read(), limits: () => limits, stop: () => stats.stop() };
}
