/**
 * Health contract answered by every service on `apiary.<service>.health`.
 */

/** The seven Apiary services (DESIGN.md "Services"). */
export const SERVICE_NAMES = [
  'gateway',
  'orchestrator-brain',
  'task-router',
  'memory',
  'self-improvement',
  'scaler',
  'bot-runtime',
] as const;
/** One of {@link SERVICE_NAMES}. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Short subject token of each service, used in `apiary.<token>.<verb>`. */
export const SERVICE_SUBJECT_TOKEN: Record<ServiceName, string> = {
  gateway: 'gateway',
  'orchestrator-brain': 'brain',
  'task-router': 'router',
  memory: 'memory',
  'self-improvement': 'improvement',
  scaler: 'scaler',
  'bot-runtime': 'runtime',
};

/**
 * Health subject of a service.
 * @param service one of {@link SERVICE_NAMES}
 * @returns e.g. `apiary.brain.health`
 */
export function healthSubject(service: ServiceName): string {
  return `apiary.${SERVICE_SUBJECT_TOKEN[service]}.health`;
}

/** Reply of `apiary.<service>.health`. */
export interface HealthReply {
  service: ServiceName;
  /** `healthy` when every dependency the service checks answered. */
  status: 'healthy' | 'unhealthy';
  /** Per-dependency state, e.g. `{ database: 'connected' }`. */
  checks: Record<string, 'connected' | 'disconnected'>;
  /** Replica identity (hostname:pid). */
  instance: string;
  /** Seconds since the process started. */
  uptime_s: number;
  timestamp: string;
}
