import type { ReplicaHeartbeat } from '@apiary/contracts';
import { poolTotals, ReplicaRegistry } from './replica-registry';

const T0 = Date.parse('2026-03-01T12:00:00Z');

function hb(over: Partial<ReplicaHeartbeat> = {}): ReplicaHeartbeat {
  return {
    instance_id: 'rt-1', host: 'h', pid: 100, state: 'running', seq: 1, started_at: new Date(T0).toISOString(), at: new Date(T0).toISOString(),
    interval_ms: 2000, cpu_percent: 40, rss_bytes: 100e6, heap_used_bytes: 50e6, memory_limit_bytes: 1e9, cpus: 2,
    event_loop_lag_ms: 1, event_loop_lag_p99_ms: 5, in_flight: 4, concurrency: 8, capabilities: ['sleep'], lanes: ['sleep'],
    completed: 0, failed: 0, busy_ms: 0, ...over,
  };
}

describe('ReplicaRegistry', () => {
  let now = T0;
  const clock = () => now;
  const make = () => new ReplicaRegistry(clock, { lostAfterMs: 10_000, forgetAfterMs: 60_000, windowMs: 30_000 });
  beforeEach(() => (now = T0));

  it('shows each replica’s resources, slots and utilisation from its latest heartbeat', () => {
    const r = make();
    expect(r.record(hb())).toBe(true);
    now += 2000;
    expect(r.record(hb({ seq: 2, in_flight: 6 }))).toBe(false);
    const [i] = r.instances((id) => id === 'rt-1');
    expect(i).toMatchObject({ instance_id: 'rt-1', status: 'running', managed: true, in_flight: 6, utilisation_percent: 75, memory_percent: 10, heartbeat_age_ms: 0 });
  });

  it('measures throughput and capacity (concurrency ÷ mean run time) over the window', () => {
    const r = make();
    r.record(hb({ completed: 0, busy_ms: 0 }));
    now += 10_000;
    // 40 runs of 250 ms each in 10 s with 8 slots: 4 runs/s; capacity 8 / 0.25 s = 32 runs/s.
    r.record(hb({ completed: 40, busy_ms: 10_000 }));
    const [i] = r.instances();
    expect(i.throughput_per_s).toBe(4);
    expect(i.capacity_per_s).toBe(32);
  });

  it('marks a replica lost after lostAfterMs without heartbeats, once, and brings it back when it beats again', () => {
    const r = make();
    r.record(hb());
    now += 10_000;
    expect(r.sweep()).toEqual([]);
    now += 1;
    const lost = r.sweep();
    expect(lost.map((l) => [l.instance_id, l.status, l.in_flight])).toEqual([['rt-1', 'lost', 4]]);
    expect(r.sweep()).toEqual([]);
    expect(r.instances()[0]).toMatchObject({ status: 'lost', lost_at: new Date(now).toISOString() });
    now += 1000;
    r.record(hb({ seq: 9 }));
    expect(r.instances()[0]).toMatchObject({ status: 'running', lost_at: null });
  });

  it('forgets a lost replica after forgetAfterMs, and a stopped one at once', () => {
    const r = make();
    r.record(hb());
    r.record(hb({ instance_id: 'rt-2' }));
    r.record(hb({ instance_id: 'rt-2', state: 'stopped' }));
    expect(r.instances().map((i) => i.instance_id)).toEqual(['rt-1']);
    now += 10_001;
    r.sweep();
    now += 60_001;
    r.sweep();
    expect(r.instances()).toEqual([]);
  });

  it('starts over when the same id heartbeats from a new process', () => {
    const r = make();
    r.record(hb({ completed: 500, busy_ms: 100_000 }));
    now += 5000;
    r.record(hb({ pid: 200, completed: 3, busy_ms: 300 }));
    const [i] = r.instances();
    expect(i).toMatchObject({ pid: 200, throughput_per_s: null, capacity_per_s: 80 });
  });

  it('totals running replicas only: means of CPU and memory, worst lag, summed slots and throughput', () => {
    const r = make();
    r.record(hb({ instance_id: 'a', cpu_percent: 20, in_flight: 8, event_loop_lag_ms: 3 }));
    r.record(hb({ instance_id: 'b', cpu_percent: 60, in_flight: 0, event_loop_lag_ms: 12 }));
    r.record(hb({ instance_id: 'c', state: 'draining', cpu_percent: 99, in_flight: 5 }));
    const t = poolTotals(r.instances());
    expect(t).toMatchObject({ running: 2, draining: 1, lost: 0, cpu_percent: 40, event_loop_lag_ms: 12, in_flight: 8, concurrency: 16, utilisation_percent: 50 });
  });
});
