import { ApiaryError, BacklogReply, InstanceMetrics, ServiceStat } from '@apiary/contracts';
import { SignalCollector } from './signal-collector';

const NOW = Date.parse('2026-03-01T12:00:00Z');

function instance(over: Partial<InstanceMetrics>): InstanceMetrics {
  return {
    instance_id: 'rt', host: 'h', pid: 1, status: 'running', managed: false, started_at: '', last_heartbeat_at: '', heartbeat_age_ms: 0, lost_at: null,
    cpu_percent: 50, rss_bytes: 1e8, memory_limit_bytes: 1e9, memory_percent: 10, cpus: 2, event_loop_lag_ms: 1, event_loop_lag_p99_ms: 2,
    in_flight: 8, concurrency: 8, utilisation_percent: 100, capabilities: ['sleep'], lanes: ['sleep'], completed: 10, failed: 0,
    throughput_per_s: 20, capacity_per_s: 40, ...over,
  };
}

const backlog: BacklogReply = {
  window_s: 10, at: '', queued: 3900, retrying: 100, in_flight: 16, arrivals: 500, completions: 400, oldest_queued_age_ms: 12_500,
  by_type: [
    { task_type: 'sleep', queued: 3900, retrying: 100, in_flight: 16, arrivals: 500, completions: 400, oldest_queued_age_ms: 12_500 },
  ],
};
const stats: ServiceStat[] = [
  { task_type: 'sleep', service: '*', count: 300, successes: 297, failures: 3, mean_latency_ms: 200, last_at: '', p95_ms: 260 },
  { task_type: 'noop', service: '*', count: 100, successes: 100, failures: 0, mean_latency_ms: 1, last_at: '', p95_ms: 2 },
];

describe('SignalCollector', () => {
  it('turns backlog, lanes, task statistics and replicas into the values rules see', async () => {
    const c = new SignalCollector(
      { backlog: async (w) => ({ ...backlog, window_s: w }) },
      { lanes: async () => [{ lane: 'sleep', consumer: 'runtime-sleep', num_pending: 10, num_ack_pending: 16, num_redelivered: 0, ack_wait_ms: 30_000 }] },
      { stats: async () => stats },
      { backlogWindowS: 10, statsWindowS: 60, defaultConcurrency: 64 },
    );
    const s = await c.collect([instance({ instance_id: 'a' }), instance({ instance_id: 'b', cpu_percent: 70, in_flight: 0, utilisation_percent: 0 })], NOW);
    expect(s.errors).toEqual([]);
    expect(s.values).toEqual({
      cpu_percent: 60,
      memory_percent: 10,
      event_loop_lag_ms: 1,
      utilisation_percent: 50,
      queue_depth: 4010, // 3900 queued + 100 retrying + 10 pending in JetStream
      backlog_per_replica: 2005,
      backlog_age_s: 12.5,
      backlog_drain_s: 50.125, // 4010 / (2 × 40)
      avg_response_time_ms: 150.25, // (300 × 200 + 100 × 1) / 400
      p95_response_time_ms: 260,
      error_rate_percent: 0.75,
      throughput_per_s: 40,
    });
    expect(s.arrivalsPerS).toBe(50);
    expect(s.capacity).toEqual({ perReplica: 40, source: 'heartbeats' });
    expect(s.backlog!.by_type[0]).toMatchObject({ task_type: 'sleep', arrivals_per_s: 50, completions_per_s: 40, oldest_queued_age_s: 12.5, mean_latency_ms: 200, p95_latency_ms: 260, error_rate_percent: 1 });
    expect(s.lanes).toHaveLength(1);
  });

  it('counts JetStream’s pending work when the brain does not answer', async () => {
    const c = new SignalCollector(
      { backlog: async () => { throw new ApiaryError('UPSTREAM_TIMEOUT', 'slow'); } },
      { lanes: async () => [
        { lane: 'sleep', consumer: 'runtime-sleep', num_pending: 300, num_ack_pending: 8, num_redelivered: 0, ack_wait_ms: 30_000 },
        { lane: 'noop', consumer: 'runtime-noop', num_pending: 20, num_ack_pending: 0, num_redelivered: 0, ack_wait_ms: 30_000 },
      ] },
      { stats: async () => [] },
      { backlogWindowS: 10, statsWindowS: 60, defaultConcurrency: 64 },
    );
    const s = await c.collect([instance({})], NOW);
    expect(s.values).toMatchObject({ queue_depth: 320, backlog_drain_s: 8, backlog_age_s: null });
    expect(s.errors).toEqual(['backlog: UPSTREAM_TIMEOUT slow']);
  });

  it('falls back to concurrency ÷ mean latency for capacity, and lists signals that failed', async () => {
    const c = new SignalCollector(
      { backlog: async () => { throw new ApiaryError('SERVICE_UNAVAILABLE', 'no responders for apiary.brain.backlog'); } },
      { lanes: async () => { throw new Error('JetStream not enabled'); } },
      { stats: async () => stats },
      { backlogWindowS: 10, statsWindowS: 60, defaultConcurrency: 64 },
    );
    const s = await c.collect([instance({ capacity_per_s: null, throughput_per_s: null })], NOW);
    expect(s.backlog).toBeNull();
    expect(s.lanes).toBeNull();
    expect(s.values.queue_depth).toBeNull();
    expect(s.values.backlog_drain_s).toBeNull();
    expect(s.values.backlog_age_s).toBeNull();
    expect(s.capacity).toEqual({ perReplica: 53.245, source: 'latency' }); // 8 / 0.15025 s
    expect(s.errors).toEqual(['backlog: SERVICE_UNAVAILABLE no responders for apiary.brain.backlog', 'lanes: JetStream not enabled']);
  });
});
