import type { JetStreamManager } from 'nats';
import {
  BacklogReply,
  BacklogRequest,
  BRAIN_BACKLOG,
  LaneSignal,
  MEMORY_SERVICE_STATS,
  ServiceStat,
  ServiceStatsReply,
  ServiceStatsRequest,
  WORK_STREAM,
  workConsumerName,
} from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';

/** The brain's backlog (`apiary.brain.backlog`). */
export interface BacklogSource {
  /** @param windowS flow window, s */
  backlog(windowS: number): Promise<BacklogReply>;
}

/** Per-lane counts of the JetStream work consumers. */
export interface LaneSource {
  lanes(): Promise<LaneSignal[]>;
}

/** Memory's statistics per task type (`apiary.memory.service-stats`, `group_by: task_type`, `detail: true`). */
export interface TaskStatsSource {
  /** @param windowS window, s (memory accepts 60 and more) */
  stats(windowS: number): Promise<ServiceStat[]>;
}

/** {@link BacklogSource} over NATS request/reply. */
export class NatsBacklogSource implements BacklogSource {
  /**
   * @param rpc RPC client
   * @param timeoutMs reply timeout, ms
   */
  constructor(
    private readonly rpc: NatsRpcClient,
    private readonly timeoutMs: number,
  ) {}

  /** @throws ApiaryError SERVICE_UNAVAILABLE / UPSTREAM_TIMEOUT when the brain does not answer */
  backlog(windowS: number): Promise<BacklogReply> {
    const req: BacklogRequest = { window_s: windowS };
    return this.rpc.request<BacklogReply>(BRAIN_BACKLOG, req, { timeoutMs: this.timeoutMs });
  }
}

/** {@link TaskStatsSource} over NATS request/reply. */
export class NatsTaskStatsSource implements TaskStatsSource {
  /**
   * @param rpc RPC client
   * @param timeoutMs reply timeout, ms
   */
  constructor(
    private readonly rpc: NatsRpcClient,
    private readonly timeoutMs: number,
  ) {}

  /** @throws ApiaryError SERVICE_UNAVAILABLE / UPSTREAM_TIMEOUT when memory does not answer */
  async stats(windowS: number): Promise<ServiceStat[]> {
    const req: ServiceStatsRequest = { window_s: Math.max(60, windowS), group_by: 'task_type', detail: true };
    return (await this.rpc.request<ServiceStatsReply>(MEMORY_SERVICE_STATS, req, { timeoutMs: this.timeoutMs })).stats;
  }
}

const CONSUMER_PREFIX = workConsumerName('');

/**
 * {@link LaneSource} from JetStream consumer info: every durable `runtime-<lane>`
 * consumer of `APIARY_WORK` (the lanes bot-runtime replicas pull).
 */
export class JetStreamLaneSource implements LaneSource {
  /** @param jsm JetStream manager */
  constructor(private readonly jsm: JetStreamManager) {}

  /** @throws NatsError when JetStream is unavailable */
  async lanes(): Promise<LaneSignal[]> {
    const out: LaneSignal[] = [];
    const lister = this.jsm.consumers.list(WORK_STREAM);
    for await (const c of lister) {
      if (!c.name.startsWith(CONSUMER_PREFIX)) continue;
      out.push({
        lane: c.name.slice(CONSUMER_PREFIX.length),
        consumer: c.name,
        num_pending: c.num_pending,
        num_ack_pending: c.num_ack_pending,
        num_redelivered: c.num_redelivered,
        ack_wait_ms: Math.round((c.config.ack_wait ?? 0) / 1e6),
      });
    }
    return out.sort((a, b) => a.lane.localeCompare(b.lane));
  }
}
