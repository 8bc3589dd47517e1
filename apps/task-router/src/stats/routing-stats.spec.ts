import pino from 'pino';
import type { CounterDelta, CounterValue } from '@apiary/persistence';
import { InFlightTracker } from '../routing/in-flight';
import { BreakerBoard } from './breaker-board';
import { CounterBuffer } from './counter-buffer';
import { decodeOutcomes, OutcomeRecorder } from './outcome-recorder';
import { RoutingStatsService } from './routing-stats.service';

/** In-memory stand-in for the counters table with the same add semantics; can be told to fail. */
class MemoryCounters {
  rows = new Map<string, CounterValue>();
  fail = false;
  adds = 0;
  async add(deltas: CounterDelta[]): Promise<void> {
    if (this.fail) throw new Error('database down');
    this.adds++;
    for (const d of deltas) {
      const k = `${d.metric}/${d.label}`;
      const r = this.rows.get(k) ?? { metric: d.metric, label: d.label, value: 0 };
      r.value += d.delta;
      this.rows.set(k, r);
    }
  }
  async all(): Promise<CounterValue[]> {
    return [...this.rows.values()];
  }
  async origin(nowMs: number): Promise<number> {
    return nowMs - 5000;
  }
}

const silent = pino({ level: 'silent' });
const outcome = (route_id: string, service_name: string, fields: Partial<{ success: boolean; fallback: boolean; final: boolean }> = {}) => ({
  route_id, task_id: 't', task_type: 'email', service_name, success: true, latency_ms: 5, fallback: false, final: true, ...fields,
});

describe('routing statistics', () => {
  it('stats = stored + unflushed; a failed flush keeps the increments', async () => {
    const repo = new MemoryCounters();
    const buffer = new CounterBuffer();
    const stats = new RoutingStatsService(repo, buffer, new BreakerBoard(60_000, () => 0), 1000, silent, () => 10_000);
    await stats.start();
    await stats.stop();
    buffer.add('total_routes', '', 2);
    buffer.add('service_distribution', 'a', 2);
    await stats.flush();
    buffer.add('total_routes', '');
    buffer.add('failures', 'a', 3);
    repo.fail = true;
    await stats.flush();
    expect(await stats.stats()).toEqual({
      total_routes: 3, service_distribution: { a: 2 }, failures: { a: 3 }, fallbacks_used: 0, breaker_states: {}, by_strategy: {},
      since: new Date(5000).toISOString(),
    });
    repo.fail = false;
    await stats.flush();
    expect(buffer.unflushed()).toEqual([]);
    expect((await stats.stats()).total_routes).toBe(3);
  });

  it('observe releases and moves in-flight slots on every replica; count adds failures and fallbacks once', () => {
    const inFlight = new InFlightTracker(() => 0);
    const buffer = new CounterBuffer();
    const recorder = new OutcomeRecorder(inFlight, new BreakerBoard(60_000, () => 0), buffer);
    inFlight.track('r1', 'a', 60_000);
    inFlight.track('r2', 'a', 60_000);
    const event = {
      runner: 'rt-1',
      outcomes: [outcome('r1', 'a', { success: false, final: false }), outcome('r2', 'a'), outcome('unknown', 'b')],
      breakers: [],
    };
    recorder.observe(event);
    expect([inFlight.count('a'), inFlight.count('b')]).toEqual([1, 0]);
    recorder.observe({ runner: 'rt-1', outcomes: [outcome('r1', 'b', { fallback: true, final: false })], breakers: [] });
    expect([inFlight.count('a'), inFlight.count('b')]).toEqual([0, 1]);
    recorder.count(event);
    recorder.count({ runner: 'rt-1', outcomes: [outcome('r1', 'b', { fallback: true, success: false })], breakers: [] });
    expect(buffer.unflushed().sort((x, y) => x.metric.localeCompare(y.metric) || x.label.localeCompare(y.label))).toEqual([
      { metric: 'failures', label: 'a', delta: 1 },
      { metric: 'failures', label: 'b', delta: 1 },
      { metric: 'fallbacks_used', label: '', delta: 1 },
    ]);
  });

  it('breaker state is the worst over runtime replicas heard from recently', () => {
    let now = 0;
    const board = new BreakerBoard(10_000, () => now);
    const at = new Date(0).toISOString();
    board.apply({ runner: 'rt-1', breakers: [{ service_name: 'a', state: 'open', at }, { service_name: 'b', state: 'half_open', at }] });
    board.apply({ runner: 'rt-2', breakers: [{ service_name: 'a', state: 'closed', at }, { service_name: 'b', state: 'closed', at }] });
    expect(board.snapshot()).toEqual({ a: 'open', b: 'half_open' });
    now = 8000;
    board.apply({ runner: 'rt-2', breakers: [] }); // rt-2 still alive, rt-1 silent
    now = 12_000;
    expect(board.snapshot()).toEqual({ a: 'closed', b: 'closed' });
    board.apply({ runner: 'rt-1', breakers: [{ service_name: 'a', state: 'half_open', at }] });
    expect(board.snapshot()).toEqual({ a: 'half_open', b: 'closed' });
  });

  it('decodes plain and Nest-enveloped reports, rejects others', () => {
    const event = { runner: 'rt', outcomes: [outcome('r', 'a')], breakers: [] };
    const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
    expect(decodeOutcomes(enc(event))).toEqual(event);
    expect(decodeOutcomes(enc({ pattern: 'apiary.router.outcomes', data: { runner: 'rt', outcomes: [] } }))).toEqual({ runner: 'rt', outcomes: [], breakers: [] });
    expect(decodeOutcomes(enc({ runner: 1 }))).toBeUndefined();
    expect(decodeOutcomes(new TextEncoder().encode('not json'))).toBeUndefined();
  });
});
