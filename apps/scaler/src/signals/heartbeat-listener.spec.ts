import { parseHeartbeat } from './heartbeat-listener';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const good = {
  instance_id: 'rt-1', host: 'h', pid: 1, state: 'running', seq: 1, started_at: 'x', at: 'x', interval_ms: 2000, cpu_percent: 1, rss_bytes: 1,
  heap_used_bytes: 1, memory_limit_bytes: 1, cpus: 1, event_loop_lag_ms: 0, event_loop_lag_p99_ms: 0, in_flight: 0, concurrency: 1,
  capabilities: [], lanes: [], completed: 0, failed: 0, busy_ms: 0,
};

describe('parseHeartbeat', () => {
  it('accepts a heartbeat', () => {
    expect(parseHeartbeat(enc(good))).toMatchObject({ instance_id: 'rt-1' });
  });

  it('drops what is not one', () => {
    expect(parseHeartbeat(enc('not json'))).toBeNull();
    expect(parseHeartbeat(enc({ ...good, instance_id: '' }))).toBeNull();
    expect(parseHeartbeat(enc({ ...good, state: 'dancing' }))).toBeNull();
    expect(parseHeartbeat(enc({ ...good, in_flight: 'many' }))).toBeNull();
    expect(parseHeartbeat(enc({ ...good, lanes: 'sleep' }))).toBeNull();
  });
});
