import pino from 'pino';
import { ReplicaHeartbeat, RUNTIME_HEARTBEAT } from '@apiary/contracts';
import { HandlerError, TaskHandler } from '../handlers/task-handler';
import { processLimits } from './process-stats';
import { HeartbeatSink, ProcessProbe, ReplicaHeartbeatPublisher } from './replica-heartbeat';

const logger = pino({ level: 'silent' });

class RecordingSink implements HeartbeatSink {
  readonly beats: { subject: string; hb: ReplicaHeartbeat }[] = [];
  flushes = 0;
  publish(subject: string, data: Uint8Array): void {
    this.beats.push({ subject, hb: JSON.parse(new TextDecoder().decode(data)) });
  }
  async flush(): Promise<void> {
    this.flushes++;
  }
}

const probe: ProcessProbe = {
  read: () => ({ cpu_percent: 42.5, rss_bytes: 100_000_000, heap_used_bytes: 50_000_000, event_loop_lag_ms: 1.5, event_loop_lag_p99_ms: 9 }),
  limits: () => ({ memory_limit_bytes: 2 * 1024 ** 3, cpus: 2 }),
  stop: () => undefined,
};

function handler(type: string, run: TaskHandler['run']): TaskHandler {
  return { type, run };
}

const ctx = { taskId: 't', attempt: 1, taskType: 'x', priority: 'normal' as const, signal: new AbortController().signal, context: null, recordServiceCalls: () => undefined };

describe('ReplicaHeartbeatPublisher', () => {
  it('publishes the replica, its resources, slots, capabilities and lanes on apiary.runtime.heartbeat at start', () => {
    const sink = new RecordingSink();
    const p = new ReplicaHeartbeatPublisher(sink, 'rt-1', { intervalMs: 60_000, concurrency: 8 }, logger, probe, () => Date.parse('2026-01-01T00:00:00Z'));
    p.instrument(new Map([['sleep', handler('sleep', async () => 1)], ['noop', handler('noop', async () => 2)]]));
    p.start({ busy: 3, lanes: ['sleep', 'noop'] });
    expect(sink.beats).toHaveLength(1);
    expect(sink.beats[0].subject).toBe(RUNTIME_HEARTBEAT);
    expect(sink.beats[0].hb).toMatchObject({
      instance_id: 'rt-1',
      pid: process.pid,
      state: 'running',
      seq: 1,
      at: '2026-01-01T00:00:00.000Z',
      interval_ms: 60_000,
      cpu_percent: 42.5,
      rss_bytes: 100_000_000,
      memory_limit_bytes: 2 * 1024 ** 3,
      cpus: 2,
      event_loop_lag_ms: 1.5,
      event_loop_lag_p99_ms: 9,
      in_flight: 3,
      concurrency: 8,
      capabilities: ['noop', 'sleep'],
      lanes: ['sleep', 'noop'],
      completed: 0,
      failed: 0,
      busy_ms: 0,
    });
    void p.stop();
  });

  it('counts finished runs, failures and busy time through the instrumented handlers', async () => {
    const sink = new RecordingSink();
    const p = new ReplicaHeartbeatPublisher(sink, 'rt-1', { intervalMs: 60_000, concurrency: 2 }, logger, probe);
    const counted = p.instrument(
      new Map([
        ['ok', handler('ok', async () => new Promise((r) => setTimeout(() => r('done'), 30)))],
        ['bad', handler('bad', async () => { throw new HandlerError('BOOM', 'no', false); })],
      ]),
    );
    await expect(counted.get('ok')!.run({}, ctx)).resolves.toBe('done');
    await expect(counted.get('ok')!.run({}, ctx)).resolves.toBe('done');
    await expect(counted.get('bad')!.run({}, ctx)).rejects.toThrow('no');
    const hb = p.snapshot();
    expect(hb).toMatchObject({ completed: 3, failed: 1 });
    expect(hb.busy_ms).toBeGreaterThanOrEqual(55);
    expect(hb.busy_ms).toBeLessThan(1000);
  });

  it('reports draining at once on shutdown, then stopped as its flushed last heartbeat', async () => {
    const sink = new RecordingSink();
    const p = new ReplicaHeartbeatPublisher(sink, 'rt-2', { intervalMs: 60_000, concurrency: 4 }, logger, probe);
    p.start({ busy: 1, lanes: ['sleep'] });
    p.draining();
    await p.stop();
    expect(sink.beats.map((b) => [b.hb.state, b.hb.seq])).toEqual([['running', 1], ['draining', 2], ['stopped', 3]]);
    expect(sink.flushes).toBe(1);
  });

  it('publishes every interval', async () => {
    const sink = new RecordingSink();
    const p = new ReplicaHeartbeatPublisher(sink, 'rt-3', { intervalMs: 20, concurrency: 4 }, logger, probe);
    p.start({ busy: 0, lanes: [] });
    await new Promise((r) => setTimeout(r, 110));
    await p.stop();
    expect(sink.beats.length).toBeGreaterThanOrEqual(4);
  });
});

describe('processLimits', () => {
  it('takes cgroup v2 limits below the host’s', () => {
    const files: Record<string, string> = { '/sys/fs/cgroup/memory.max': '536870912\n', '/sys/fs/cgroup/cpu.max': '50000 100000\n' };
    expect(processLimits((p) => files[p] ?? null)).toEqual({ memory_limit_bytes: 536_870_912, cpus: 0.5 });
  });

  it('falls back to the host when cgroups say max or are absent', () => {
    const files: Record<string, string> = { '/sys/fs/cgroup/memory.max': 'max\n', '/sys/fs/cgroup/cpu.max': 'max 100000\n' };
    const limits = processLimits((p) => files[p] ?? null);
    expect(limits.memory_limit_bytes).toBeGreaterThan(0);
    expect(limits.cpus).toBeGreaterThanOrEqual(1);
  });
});
