import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';

/** What is exported, refreshed by the control loop. */
export interface ExportedState {
  driver: string;
  /** Replicas the scaler wants (its last decision, or the driver's count). */
  desired: number | null;
  /** Replicas it counted for that decision. */
  current: number | null;
  running: number;
  draining: number;
  lost: number;
  /** Tasks waiting for a replica: brain queue + JetStream pending (the rules' `queue_depth`; null: unknown). */
  queueDepth: number | null;
  /** Queued + retrying tasks by task type in the brain (null: backlog unknown). */
  backlogByType: { task_type: string; tasks: number }[] | null;
  /** Work messages waiting in JetStream by lane (null: unknown). */
  pendingByLane: { lane: string; messages: number }[] | null;
  /** Age of the oldest queued task, s (null: unknown; 0: none queued). */
  oldestQueuedAgeS: number | null;
  /** Tasks one replica finishes per second with every slot busy (null: unknown). */
  capacityPerReplica: number | null;
  /** Tasks arriving per second (null: unknown). */
  arrivalsPerS: number | null;
}

/** Names of the exported metrics (documented for the HPA and KEDA: helm/apiary, deploy/keda). */
export const METRIC_NAMES = {
  desired: 'apiary_scaler_desired_replicas',
  current: 'apiary_scaler_current_replicas',
  replicas: 'apiary_runtime_replicas',
  queueDepth: 'apiary_scaler_queue_depth',
  backlog: 'apiary_backlog_tasks',
  pending: 'apiary_work_pending_messages',
  oldest: 'apiary_backlog_oldest_age_seconds',
  capacity: 'apiary_runtime_capacity_per_replica',
  arrivals: 'apiary_task_arrivals_per_second',
} as const;

/**
 * Serves the scaler's view as Prometheus metrics on `GET /metrics` (the `hpa`
 * driver's output; any driver may export): desired and current replicas,
 * replicas by state, queue depth, backlog by task type, pending work by lane,
 * oldest queued age, capacity per replica and arrival rate. Built on `@opentelemetry/exporter-prometheus` with a
 * private MeterProvider (observable gauges read {@link ExportedState} at scrape).
 */
export class ScalerMetricsExporter {
  private state: ExportedState | null = null;
  private readonly exporter: PrometheusExporter;
  private readonly provider: MeterProvider;

  /**
   * @param port TCP port of `/metrics`
   * @param host interface to bind (default all)
   */
  constructor(port: number, host = '0.0.0.0') {
    this.exporter = new PrometheusExporter({ port, host, endpoint: '/metrics', preventServerStart: true, withoutTargetInfo: true, withoutScopeInfo: true });
    this.provider = new MeterProvider({ readers: [this.exporter] });
    const meter = this.provider.getMeter('apiary-scaler');
    const gauge = (name: string, description: string) => meter.createObservableGauge(name, { description });
    const desired = gauge(METRIC_NAMES.desired, 'Replicas of bot-runtime the scaler wants');
    const current = gauge(METRIC_NAMES.current, 'Replicas of bot-runtime the scaler counted at its last decision');
    const replicas = gauge(METRIC_NAMES.replicas, 'bot-runtime replicas by state, from their heartbeats');
    const queueDepth = gauge(METRIC_NAMES.queueDepth, 'Tasks waiting for a bot-runtime replica: queued and retrying in the brain plus dispatched work not yet taken (the HPA / KEDA backlog metric)');
    const backlog = gauge(METRIC_NAMES.backlog, 'Tasks queued or retrying in the brain, by task type');
    const pending = gauge(METRIC_NAMES.pending, 'Work messages waiting in JetStream, by lane');
    const oldest = gauge(METRIC_NAMES.oldest, 'Age of the oldest queued task, seconds');
    const capacity = gauge(METRIC_NAMES.capacity, 'Tasks per second one bot-runtime replica finishes with every slot busy');
    const arrivals = gauge(METRIC_NAMES.arrivals, 'Tasks submitted per second');
    meter.addBatchObservableCallback(
      (r) => {
        const s = this.state;
        if (!s) return;
        const driver = { driver: s.driver };
        if (s.desired !== null) r.observe(desired, s.desired, driver);
        if (s.current !== null) r.observe(current, s.current, driver);
        r.observe(replicas, s.running, { state: 'running' });
        r.observe(replicas, s.draining, { state: 'draining' });
        r.observe(replicas, s.lost, { state: 'lost' });
        if (s.queueDepth !== null) r.observe(queueDepth, s.queueDepth);
        for (const b of s.backlogByType ?? []) r.observe(backlog, b.tasks, { task_type: b.task_type });
        for (const p of s.pendingByLane ?? []) r.observe(pending, p.messages, { lane: p.lane });
        if (s.oldestQueuedAgeS !== null) r.observe(oldest, s.oldestQueuedAgeS);
        if (s.capacityPerReplica !== null) r.observe(capacity, s.capacityPerReplica);
        if (s.arrivalsPerS !== null) r.observe(arrivals, s.arrivalsPerS);
      },
      [desired, current, replicas, queueDepth, backlog, pending, oldest, capacity, arrivals],
    );
  }

  /** Starts the HTTP server. @throws when the port is taken */
  start(): Promise<void> {
    return this.exporter.startServer();
  }

  /** Replaces the exported state (read at the next scrape). */
  update(state: ExportedState): void {
    this.state = state;
  }

  /** Stops the server and the meter provider. */
  async stop(): Promise<void> {
    await this.provider.shutdown().catch(() => undefined);
    await this.exporter.stopServer().catch(() => undefined);
  }
}
