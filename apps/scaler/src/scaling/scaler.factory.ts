import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { ScalingEventRepository, ScalingRuleRepository } from '@apiary/persistence';
import type { NatsRpcClient } from '@apiary/service-kit';
import type { ScalerEnv } from '../env';
import { HpaDriver } from '../drivers/hpa.driver';
import { ClientNodeScaleApi, defaultKubeConfig, podNamespace } from '../drivers/kubernetes-client';
import { KubernetesDriver } from '../drivers/kubernetes.driver';
import { LocalDriver } from '../drivers/local.driver';
import { ScalerMetricsExporter } from '../drivers/prometheus-exporter';
import type { ScalingDriver } from '../drivers/scaling-driver';
import { AdvisoryLeadership } from '../persistence/advisory-leadership';
import { HeartbeatListener } from '../signals/heartbeat-listener';
import { ReplicaRegistry } from '../signals/replica-registry';
import { SignalCollector } from '../signals/signal-collector';
import { JetStreamLaneSource, NatsBacklogSource, NatsTaskStatsSource } from '../signals/signal-sources';
import { Autoscaler } from './autoscaler';

/** The scaler's parts, wired. */
export interface ScalerParts {
  autoscaler: Autoscaler;
  listener: HeartbeatListener;
  exporter: ScalerMetricsExporter | null;
  driver: ScalingDriver;
}

/** Variables never handed to local replicas: ports and identities of the scaler itself. */
const NOT_INHERITED = ['APIARY_PROBE_PORT', 'APIARY_HTTP_PORT', 'APIARY_HTTP_HOST', 'APIARY_INSTANCE_ID', 'APIARY_API_KEYS', 'OTEL_SERVICE_NAME'];

/**
 * Environment of local replicas: the scaler's own minus its ports, identity and
 * `APIARY_SCALER_*`, plus `APIARY_SCALER_RUNTIME_ENV` (`NAME=value,...`).
 */
export function replicaEnv(source: NodeJS.ProcessEnv, extra: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(source)) if (!NOT_INHERITED.includes(k) && !k.startsWith('APIARY_SCALER_')) env[k] = v;
  for (const pair of (extra ?? '').split(',').filter(Boolean)) {
    const at = pair.indexOf('=');
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

/** Builds the driver named by `APIARY_SCALER_DRIVER` (the kubernetes one loads its kubeconfig here). */
export function createDriver(env: ScalerEnv, logger: Logger): ScalingDriver {
  switch (env.APIARY_SCALER_DRIVER) {
    case 'local': {
      const main = resolve(env.APIARY_SCALER_RUNTIME_MAIN ?? 'dist/apps/bot-runtime/main.js');
      const logDir = env.APIARY_SCALER_LOG_DIR ? (isAbsolute(env.APIARY_SCALER_LOG_DIR) ? env.APIARY_SCALER_LOG_DIR : resolve(env.APIARY_SCALER_LOG_DIR)) : join(tmpdir(), `apiary-scaler-${process.pid}`);
      return new LocalDriver(
        {
          main,
          env: replicaEnv(process.env, env.APIARY_SCALER_RUNTIME_ENV),
          logDir,
          idPrefix: `bot-runtime-${process.pid}`,
          initialReplicas: env.APIARY_SCALER_INITIAL_REPLICAS ?? env.APIARY_SCALER_MIN_REPLICAS,
          startupWaitMs: env.APIARY_SCALER_STARTUP_WAIT_MS ?? env.APIARY_SCALER_LOST_AFTER_MS,
          drainTimeoutMs: env.APIARY_SCALER_DRAIN_TIMEOUT_MS ?? env.APIARY_SHUTDOWN_GRACE_MS + 5_000,
        },
        logger,
      );
    }
    case 'kubernetes':
      return new KubernetesDriver(new ClientNodeScaleApi(defaultKubeConfig()), {
        namespace: env.APIARY_SCALER_K8S_NAMESPACE ?? process.env.POD_NAMESPACE ?? podNamespace() ?? 'default',
        deployment: env.APIARY_SCALER_K8S_DEPLOYMENT,
      });
    case 'hpa':
      return new HpaDriver();
  }
}

/**
 * Wires the scaler: registry of replicas, heartbeat listener, signal sources
 * (brain backlog, JetStream lanes, memory statistics), rule and event stores,
 * leadership lock, driver and, when a metrics port is set, the Prometheus exporter.
 */
export async function createScaler(env: ScalerEnv, nc: NatsConnection, rpc: NatsRpcClient, ds: DataSource, logger: Logger): Promise<ScalerParts> {
  const clock = Date.now;
  const registry = new ReplicaRegistry(clock, {
    lostAfterMs: env.APIARY_SCALER_LOST_AFTER_MS,
    forgetAfterMs: Math.max(600_000, env.APIARY_SCALER_LOST_AFTER_MS * 10),
    windowMs: env.APIARY_SCALER_EVALUATION_S * 1000,
  });
  const signals = new SignalCollector(
    new NatsBacklogSource(rpc, env.APIARY_SCALER_SIGNAL_TIMEOUT_MS),
    new JetStreamLaneSource(await nc.jetstreamManager()),
    new NatsTaskStatsSource(rpc, env.APIARY_SCALER_SIGNAL_TIMEOUT_MS),
    { backlogWindowS: env.APIARY_SCALER_BACKLOG_WINDOW_S, statsWindowS: 60, defaultConcurrency: 64 },
  );
  const driver = createDriver(env, logger);
  const metricsPort = env.APIARY_SCALER_METRICS_PORT ?? (env.APIARY_SCALER_DRIVER === 'hpa' ? 9464 : 0);
  const exporter = metricsPort > 0 ? new ScalerMetricsExporter(metricsPort, env.APIARY_SCALER_METRICS_HOST) : null;
  const autoscaler = new Autoscaler({
    clock,
    registry,
    signals,
    rules: new ScalingRuleRepository(ds),
    events: new ScalingEventRepository(ds),
    driver,
    leadership: new AdvisoryLeadership(ds),
    exporter: exporter ?? undefined,
    logger,
    settings: {
      policy: env.APIARY_SCALER_POLICY,
      intervalMs: env.APIARY_SCALER_INTERVAL_MS,
      cooldownS: env.APIARY_SCALER_COOLDOWN_S,
      evaluationS: env.APIARY_SCALER_EVALUATION_S,
      historyS: Math.max(3_600, env.APIARY_SCALER_EVALUATION_S * 4),
      minReplicas: env.APIARY_SCALER_MIN_REPLICAS,
      maxReplicas: env.APIARY_SCALER_MAX_REPLICAS,
      drainTargetS: env.APIARY_SCALER_DRAIN_TARGET_S,
      predictHorizonS: env.APIARY_SCALER_PREDICT_HORIZON_S,
      predictWindowS: env.APIARY_SCALER_EVALUATION_S,
      startupWaitMs: env.APIARY_SCALER_STARTUP_WAIT_MS ?? env.APIARY_SCALER_LOST_AFTER_MS,
    },
  });
  return { autoscaler, listener: new HeartbeatListener(nc, registry, logger), exporter, driver };
}
