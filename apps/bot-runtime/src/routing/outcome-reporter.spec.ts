import { JSONCodec } from 'nats';
import { CallOutcome, CallOutcomesEvent, ROUTER_CALL_OUTCOMES } from '@apiary/contracts';
import { OutcomeReporter } from './outcome-reporter';

const codec = JSONCodec<CallOutcomesEvent>();

function outcome(i: number): CallOutcome {
  return { route_id: `r${i}`, task_id: `t${i}`, task_type: 'x', service_name: 'a', success: true, latency_ms: 1, fallback: false, final: true };
}

describe('OutcomeReporter', () => {
  let sent: { subject: string; event: CallOutcomesEvent }[];
  const nc = { publish: (subject: string, data?: Uint8Array) => void sent.push({ subject, event: codec.decode(data!) }) };

  beforeEach(() => {
    sent = [];
    jest.useFakeTimers();
  });
  afterEach(() => jest.useRealTimers());

  it('publishes outcomes and breaker changes together after flushMs', () => {
    const r = new OutcomeReporter(nc, 'rt-1', { flushMs: 200, maxBatch: 500 });
    r.outcome(outcome(1));
    r.breaker('a', 'open', new Date('2026-01-01T00:00:00Z'));
    r.outcome(outcome(2));
    jest.advanceTimersByTime(199);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([
      {
        subject: ROUTER_CALL_OUTCOMES,
        event: { runner: 'rt-1', outcomes: [outcome(1), outcome(2)], breakers: [{ service_name: 'a', state: 'open', at: '2026-01-01T00:00:00.000Z' }] },
      },
    ]);
    jest.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1); // nothing new, nothing sent
  });

  it('publishes at once when maxBatch outcomes are queued', () => {
    const r = new OutcomeReporter(nc, 'rt-1', { flushMs: 200, maxBatch: 3 });
    for (let i = 0; i < 7; i++) r.outcome(outcome(i));
    expect(sent.map((s) => s.event.outcomes.length)).toEqual([3, 3]);
    jest.advanceTimersByTime(200);
    expect(sent.map((s) => s.event.outcomes.length)).toEqual([3, 3, 1]);
  });

  it('stop() publishes what is queued; later items go out at once', () => {
    const r = new OutcomeReporter(nc, 'rt-1', { flushMs: 10_000, maxBatch: 500 });
    r.outcome(outcome(1));
    r.stop();
    expect(sent).toHaveLength(1);
    r.breaker('a', 'closed', new Date());
    expect(sent).toHaveLength(2);
  });

  it('a failed publish is dropped with a warning, not thrown', () => {
    const warn = jest.fn();
    const r = new OutcomeReporter({ publish: () => { throw new Error('closed'); } }, 'rt-1', { flushMs: 5, maxBatch: 1 }, { warn } as never);
    expect(() => r.outcome(outcome(1))).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.objectContaining({ outcomes: 1 }), 'call outcomes not reported');
  });
});
