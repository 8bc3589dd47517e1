// Proves the GCRA provider-limit rules: granted turns are spaced by 60,000/rpm ms (at most ceil(rpm/60) per
// second, fast-check), refusals change nothing and say when the turn comes, the token tolerance, and 429 pauses.
import fc from 'fast-check';
import type { ServiceLimits } from '@apiary/contracts';
import { correctTokens, decidePermit, isLimited, PermitDecision, QuotaState, ratePerSecond, TOKEN_TOLERANCE_MS } from './gcra';

const NOW = 1_700_000_000_000;
const fresh = (over: Partial<QuotaState> = {}): QuotaState => Object.freeze({ request_tat_ms: 0, token_tat_ms: 0, throttled_until_ms: 0, ...over });

function granted(d: PermitDecision): Extract<PermitDecision, { granted: true }> {
  if (!d.granted) throw new Error(`expected a grant, got ${JSON.stringify(d)}`);
  return d;
}
function refused(d: PermitDecision): Extract<PermitDecision, { granted: false }> {
  if (d.granted) throw new Error(`expected a refusal, got ${JSON.stringify(d)}`);
  return d;
}

describe('decidePermit: requests (rpm)', () => {
  const limits: ServiceLimits = { rpm: 600 }; // T = 100 ms

  it('grants the first call at once and moves the request schedule one interval past it', () => {
    const d = granted(decidePermit(fresh(), limits, { tokens: 0, maxWaitMs: 0 }, NOW));
    expect(d.delayMs).toBe(0);
    expect(d.next).toEqual({ request_tat_ms: NOW + 100, token_tat_ms: 0, throttled_until_ms: 0 });
  });

  it('gives back-to-back calls turns 100 ms apart while they accept the wait, then refuses with the time until the turn', () => {
    let state = fresh();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      const d = granted(decidePermit(state, limits, { tokens: 0, maxWaitMs: 400 }, NOW));
      delays.push(d.delayMs);
      state = d.next;
    }
    expect(delays).toEqual([0, 100, 200, 300, 400]);
    const r = refused(decidePermit(state, limits, { tokens: 0, maxWaitMs: 400 }, NOW));
    expect(r).toEqual({ granted: false, retryAfterMs: 500, reason: 'rpm' });
    // Once the schedule is behind the clock, the next call goes at once again.
    expect(granted(decidePermit(state, limits, { tokens: 0, maxWaitMs: 0 }, NOW + 500)).delayMs).toBe(0);
  });

  it('rounds the wait up to whole ms (never calls before the turn)', () => {
    const d = granted(decidePermit(fresh({ request_tat_ms: NOW + 10.2 }), { rpm: 7 }, { tokens: 0, maxWaitMs: 1000 }, NOW));
    expect(d.delayMs).toBe(11);
    expect(d.next.request_tat_ms).toBeCloseTo(NOW + 10.2 + 60_000 / 7, 6);
    expect(refused(decidePermit(fresh({ request_tat_ms: NOW + 10.2 }), { rpm: 7 }, { tokens: 0, maxWaitMs: 10 }, NOW)).retryAfterMs).toBe(11);
  });

  it('does not mutate the state it is given', () => {
    const state = fresh({ request_tat_ms: NOW + 50 });
    const d = granted(decidePermit(state, limits, { tokens: 0, maxWaitMs: 1000 }, NOW));
    expect(state).toEqual({ request_tat_ms: NOW + 50, token_tat_ms: 0, throttled_until_ms: 0 });
    expect(d.next).not.toBe(state);
  });

  it('without limits grants at once and leaves the schedule as it was', () => {
    const state = fresh({ request_tat_ms: NOW + 9999, token_tat_ms: NOW + 9999 });
    const d = granted(decidePermit(state, {}, { tokens: 500, maxWaitMs: 0 }, NOW));
    expect(d).toEqual({ granted: true, delayMs: 0, turnMs: NOW, next: { request_tat_ms: NOW + 9999, token_tat_ms: NOW + 9999, throttled_until_ms: 0 } });
  });
});

describe('decidePermit: tokens (tpm)', () => {
  const limits: ServiceLimits = { tpm: 6000 }; // 10 ms of schedule per token

  it('admits while the token schedule is within the 1,000 ms tolerance, then waits for it', () => {
    expect(TOKEN_TOLERANCE_MS).toBe(1000);
    let state = fresh();
    const first = granted(decidePermit(state, limits, { tokens: 100, maxWaitMs: 0 }, NOW));
    expect(first.delayMs).toBe(0);
    expect(first.next.token_tat_ms).toBe(NOW + 1000);
    expect(first.next.request_tat_ms).toBe(0); // no rpm: the request schedule is untouched
    state = first.next;
    // exactly at the tolerance: still admitted
    const second = granted(decidePermit(state, limits, { tokens: 100, maxWaitMs: 0 }, NOW));
    expect(second.delayMs).toBe(0);
    expect(second.next.token_tat_ms).toBe(NOW + 2000);
    state = second.next;
    // 1,000 ms past the tolerance: refused for tpm with the wait, or granted with it
    expect(refused(decidePermit(state, limits, { tokens: 100, maxWaitMs: 999 }, NOW))).toEqual({ granted: false, retryAfterMs: 1000, reason: 'tpm' });
    const third = granted(decidePermit(state, limits, { tokens: 100, maxWaitMs: 1000 }, NOW));
    expect(third.delayMs).toBe(1000);
    expect(third.next.token_tat_ms).toBe(NOW + 3000);
  });

  it('restarts an idle token schedule from now, not from its old time', () => {
    const d = granted(decidePermit(fresh({ token_tat_ms: NOW - 60_000 }), limits, { tokens: 50, maxWaitMs: 0 }, NOW));
    expect(d.next.token_tat_ms).toBe(NOW + 500);
  });

  it('treats a negative token ask as zero', () => {
    const d = granted(decidePermit(fresh({ token_tat_ms: NOW + 200 }), limits, { tokens: -40, maxWaitMs: 0 }, NOW));
    expect(d.next.token_tat_ms).toBe(NOW + 200);
  });

  it('names the limit that binds: rpm when requests are later, tpm when tokens are', () => {
    const both: ServiceLimits = { rpm: 60, tpm: 6000 };
    const byRpm = refused(decidePermit(fresh({ request_tat_ms: NOW + 800, token_tat_ms: NOW + 1500 }), both, { tokens: 1, maxWaitMs: 0 }, NOW));
    expect(byRpm).toEqual({ granted: false, retryAfterMs: 800, reason: 'rpm' });
    const byTpm = refused(decidePermit(fresh({ request_tat_ms: NOW + 200, token_tat_ms: NOW + 1700 }), both, { tokens: 1, maxWaitMs: 0 }, NOW));
    expect(byTpm).toEqual({ granted: false, retryAfterMs: 700, reason: 'tpm' });
  });
});

describe('decidePermit: pauses after a 429', () => {
  it('refuses with reason throttled until the pause ends, also for a service without rate limits', () => {
    for (const limits of [{ rpm: 600 }, {}] as ServiceLimits[]) {
      const state = fresh({ throttled_until_ms: NOW + 5000 });
      expect(refused(decidePermit(state, limits, { tokens: 0, maxWaitMs: 4999 }, NOW))).toEqual({ granted: false, retryAfterMs: 5000, reason: 'throttled' });
      const d = granted(decidePermit(state, limits, { tokens: 0, maxWaitMs: 5000 }, NOW));
      expect(d.delayMs).toBe(5000);
      expect(d.next.throttled_until_ms).toBe(NOW + 5000);
    }
  });

  it('schedules the call after the pause: the request schedule moves past the pause end', () => {
    const d = granted(decidePermit(fresh({ throttled_until_ms: NOW + 5000 }), { rpm: 600 }, { tokens: 0, maxWaitMs: 10_000 }, NOW));
    expect(d.next.request_tat_ms).toBe(NOW + 5100);
  });

  it('a pause that has ended changes nothing', () => {
    expect(granted(decidePermit(fresh({ throttled_until_ms: NOW - 1 }), { rpm: 600 }, { tokens: 0, maxWaitMs: 0 }, NOW)).delayMs).toBe(0);
  });

  it('says rpm, not throttled, when the request schedule is later than the pause', () => {
    const r = refused(decidePermit(fresh({ throttled_until_ms: NOW + 100, request_tat_ms: NOW + 300 }), { rpm: 600 }, { tokens: 0, maxWaitMs: 0 }, NOW));
    expect(r).toEqual({ granted: false, retryAfterMs: 300, reason: 'rpm' });
  });
});

describe('decidePermit: properties (fast-check)', () => {
  /** A sequence of asks: integer clock steps (ms, the clock never goes back) and the wait each accepts. */
  const asks = fc.array(fc.record({ step: fc.integer({ min: 0, max: 3000 }), maxWaitMs: fc.integer({ min: 0, max: 20_000 }) }), { minLength: 1, maxLength: 120 });
  const rpm = fc.integer({ min: 1, max: 20_000 });

  it('granted turns (now + delayMs) are spaced by the emission interval, at most ceil(rpm/60) in any 1,000 ms window', () => {
    fc.assert(
      fc.property(rpm, asks, (r, seq) => {
        const limits: ServiceLimits = { rpm: r };
        const t = 60_000 / r;
        let state = fresh();
        let now = NOW;
        const turns: number[] = [];
        const exact: number[] = [];
        for (const a of seq) {
          now += a.step;
          const d = decidePermit(state, limits, { tokens: 0, maxWaitMs: a.maxWaitMs }, now);
          if (!d.granted) continue;
          turns.push(now + d.delayMs);
          exact.push(Math.max(now, state.request_tat_ms)); // the reserved turn itself, before rounding to whole ms
          expect(d.delayMs).toBeLessThanOrEqual(a.maxWaitMs);
          state = d.next;
        }
        for (let i = 1; i < exact.length; i++) {
          // reserved turns: at least T apart (to the precision of epoch-ms doubles)
          expect(exact[i] - exact[i - 1]).toBeGreaterThanOrEqual(t - 1e-3);
          // the instants a caller may call at are whole ms rounded up: never earlier than the turn, < 1 ms later
          expect(turns[i]).toBeGreaterThanOrEqual(exact[i]);
          expect(turns[i] - exact[i]).toBeLessThan(1);
          expect(turns[i] - turns[i - 1]).toBeGreaterThanOrEqual(Math.floor(t));
        }
        const cap = Math.ceil(r / 60);
        for (let i = 0; i < turns.length; i++) {
          let inWindow = 0;
          for (let j = i; j < turns.length && turns[j] < turns[i] + 1000; j++) inWindow++;
          expect(inWindow).toBeLessThanOrEqual(cap);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a refused ask leaves the state alone and reports exactly the wait a patient ask would be granted', () => {
    const state = fc.record({
      request_tat_ms: fc.integer({ min: -5000, max: 30_000 }).map((x) => NOW + x),
      token_tat_ms: fc.integer({ min: -5000, max: 30_000 }).map((x) => NOW + x),
      throttled_until_ms: fc.oneof(fc.constant(0), fc.integer({ min: -5000, max: 30_000 }).map((x) => NOW + x)),
    });
    const limits = fc.record({ rpm: fc.option(fc.integer({ min: 1, max: 6000 }), { nil: undefined }), tpm: fc.option(fc.integer({ min: 1, max: 1_000_000 }), { nil: undefined }) });
    fc.assert(
      fc.property(state, limits, fc.integer({ min: 0, max: 4000 }), fc.integer({ min: 0, max: 10_000 }), (s, l, tokens, maxWaitMs) => {
        const frozen = Object.freeze({ ...s });
        const d = decidePermit(frozen, l, { tokens, maxWaitMs }, NOW);
        const patient = granted(decidePermit(frozen, l, { tokens, maxWaitMs: Number.MAX_SAFE_INTEGER }, NOW));
        expect(frozen).toEqual(s);
        if (d.granted) {
          expect(d.delayMs).toBe(patient.delayMs);
          expect(d.delayMs).toBeLessThanOrEqual(maxWaitMs);
        } else {
          expect(d).not.toHaveProperty('next');
          expect(d.retryAfterMs).toBe(patient.delayMs);
          expect(d.retryAfterMs).toBeGreaterThan(maxWaitMs);
          // Asking again at the same instant gets the same answer: nothing moved.
          expect(decidePermit(frozen, l, { tokens, maxWaitMs }, NOW)).toEqual(d);
          // Asking at the reported time is granted at once.
          expect(granted(decidePermit(frozen, l, { tokens, maxWaitMs: 0 }, NOW + d.retryAfterMs)).delayMs).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('correctTokens', () => {
  it('gives back unused tokens and takes extra ones at 60,000/tpm ms each', () => {
    expect(correctTokens(NOW, { tpm: 6000 }, 500, 200)).toBe(NOW - 3000);
    expect(correctTokens(NOW, { tpm: 6000 }, 100, 150)).toBe(NOW + 500);
    expect(correctTokens(NOW, { tpm: 6000 }, 100, 100)).toBe(NOW);
  });

  it('changes nothing without a tpm limit', () => {
    expect(correctTokens(NOW, { rpm: 60 }, 500, 0)).toBe(NOW);
    expect(correctTokens(NOW, {}, 0, 10_000)).toBe(NOW);
  });
});

describe('ratePerSecond', () => {
  it('is rpm/60, tpm/60 per mean tokens, whichever is lower; Infinity without a rate limit', () => {
    expect(ratePerSecond({ rpm: 600 }, 1000)).toBe(10);
    expect(ratePerSecond({ tpm: 60_000 }, 500)).toBe(2);
    expect(ratePerSecond({ rpm: 600, tpm: 60_000 }, 500)).toBe(2);
    expect(ratePerSecond({ rpm: 60, tpm: 60_000 }, 10)).toBe(1);
    expect(ratePerSecond({ tpm: 600 }, 0)).toBe(10); // fewer than one token a call counts as one
    expect(ratePerSecond({}, 100)).toBe(Infinity);
    expect(ratePerSecond({ max_concurrency: 4 }, 100)).toBe(Infinity);
  });
});

describe('isLimited', () => {
  it('is true for any of rpm, tpm, max_concurrency', () => {
    expect(isLimited(undefined)).toBe(false);
    expect(isLimited({})).toBe(false);
    expect(isLimited({ rpm: 0 })).toBe(false);
    expect(isLimited({ rpm: 1 })).toBe(true);
    expect(isLimited({ tpm: 1 })).toBe(true);
    expect(isLimited({ max_concurrency: 1 })).toBe(true);
  });
});
