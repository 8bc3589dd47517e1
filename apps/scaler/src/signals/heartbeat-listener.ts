import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';
import { ReplicaHeartbeat, REPLICA_STATES, RUNTIME_HEARTBEAT } from '@apiary/contracts';
import type { ReplicaRegistry } from './replica-registry';

const decoder = new TextDecoder();

/**
 * Subscribes to `apiary.runtime.heartbeat` (core NATS, no queue group: every
 * scaler replica sees every heartbeat) and records each valid heartbeat in the
 * registry; malformed ones are dropped with a debug log.
 */
export class HeartbeatListener {
  private sub?: Subscription;

  /**
   * @param nc NATS connection
   * @param registry where heartbeats go
   * @param logger logger
   */
  constructor(
    private readonly nc: NatsConnection,
    private readonly registry: ReplicaRegistry,
    private readonly logger: Logger,
  ) {}

  /** Starts listening. */
  start(): void {
    this.sub = this.nc.subscribe(RUNTIME_HEARTBEAT, {
      callback: (err, msg) => {
        if (err) return;
        const hb = parseHeartbeat(msg.data);
        if (!hb) {
          this.logger.debug({ subject: msg.subject }, 'malformed heartbeat dropped');
          return;
        }
        if (this.registry.record(hb)) this.logger.info({ instance: hb.instance_id, host: hb.host, pid: hb.pid, capabilities: hb.capabilities }, 'bot-runtime replica joined');
      },
    });
  }

  /** Stops listening. */
  stop(): void {
    this.sub?.unsubscribe();
  }
}

/**
 * Decodes and checks a heartbeat's shape.
 * @returns the heartbeat, or null when it is not one
 */
export function parseHeartbeat(data: Uint8Array): ReplicaHeartbeat | null {
  let v: Partial<ReplicaHeartbeat>;
  try {
    v = JSON.parse(decoder.decode(data));
  } catch {
    return null;
  }
  const nums: (keyof ReplicaHeartbeat)[] = ['pid', 'seq', 'cpu_percent', 'rss_bytes', 'memory_limit_bytes', 'cpus', 'event_loop_lag_ms', 'in_flight', 'concurrency', 'completed', 'failed', 'busy_ms'];
  if (!v || typeof v.instance_id !== 'string' || !v.instance_id || !REPLICA_STATES.includes(v.state as never)) return null;
  if (nums.some((k) => typeof v[k] !== 'number' || !Number.isFinite(v[k] as number))) return null;
  if (!Array.isArray(v.capabilities) || !Array.isArray(v.lanes)) return null;
  return v as ReplicaHeartbeat;
}
