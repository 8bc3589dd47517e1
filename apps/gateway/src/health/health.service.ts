import { HealthReply, healthSubject, ServiceName } from '@apiary/contracts';

/** The services whose health `GET /health` reports (every one but the gateway). */
export const DOWNSTREAM_SERVICES = [
  'orchestrator-brain',
  'task-router',
  'memory',
  'self-improvement',
  'scaler',
  'bot-runtime',
] as const satisfies readonly ServiceName[];
/** One of {@link DOWNSTREAM_SERVICES}. */
export type DownstreamService = (typeof DOWNSTREAM_SERVICES)[number];

/** Timeout in ms of each probe (NATS round trip, each service's health RPC). */
export const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** State of one service as seen from the gateway. */
export type ServiceState = 'healthy' | 'unhealthy' | 'unreachable';
/** State of a connection. */
export type ConnectionState = 'connected' | 'disconnected';

/**
 * Body of `GET /health` (seed 001 "Health Check", extended to the whole suite).
 * `database` is the orchestrator brain's view of PostgreSQL (`checks.database` of
 * its health reply; `disconnected` when the brain does not answer).
 */
export interface GatewayHealth {
  status: 'healthy' | 'unhealthy';
  service: 'gateway';
  nats: ConnectionState;
  database: ConnectionState;
  services: Record<DownstreamService, ServiceState>;
  /** ISO-8601 time of the check. */
  timestamp: string;
}

/** What the health check needs from the outside world (NATS). */
export interface HealthProbes {
  /** Resolves when the gateway's NATS connection answers a round trip; rejects otherwise. */
  pingNats(timeoutMs: number): Promise<void>;
  /** Requests `subject` and resolves with the service's health reply; rejects when it does not answer. */
  requestHealth(subject: string, timeoutMs: number): Promise<HealthReply>;
}

/**
 * Builds the suite's health: NATS round trip and the six services' health
 * subjects, all in parallel, each bounded to {@link HEALTH_PROBE_TIMEOUT_MS}.
 * Never throws: a failed probe is `disconnected` / `unreachable`.
 * @param probes NATS access
 * @param now clock (for the timestamp)
 */
export async function checkHealth(probes: HealthProbes, now: () => Date = () => new Date()): Promise<GatewayHealth> {
  const [nats, replies] = await Promise.all([
    probes.pingNats(HEALTH_PROBE_TIMEOUT_MS).then(
      (): ConnectionState => 'connected',
      (): ConnectionState => 'disconnected',
    ),
    Promise.all(
      DOWNSTREAM_SERVICES.map((service) =>
        probes.requestHealth(healthSubject(service), HEALTH_PROBE_TIMEOUT_MS).then(
          (reply): HealthReply | undefined => reply,
          (): HealthReply | undefined => undefined,
        ),
      ),
    ),
  ]);
  const services = {} as Record<DownstreamService, ServiceState>;
  DOWNSTREAM_SERVICES.forEach((service, i) => {
    const reply = replies[i];
    services[service] = reply === undefined ? 'unreachable' : reply.status === 'healthy' ? 'healthy' : 'unhealthy';
  });
  const brain = replies[DOWNSTREAM_SERVICES.indexOf('orchestrator-brain')];
  const database: ConnectionState = brain?.checks?.['database'] === 'connected' ? 'connected' : 'disconnected';
  const healthy = nats === 'connected' && database === 'connected' && Object.values(services).every((s) => s === 'healthy');
  return {
    status: healthy ? 'healthy' : 'unhealthy',
    service: 'gateway',
    nats,
    database,
    services,
    timestamp: now().toISOString(),
  };
}
