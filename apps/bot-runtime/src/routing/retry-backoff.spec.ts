import { HandlerError } from '../handlers/task-handler';
import { abortableSleep, retryDelayMs, retrySchedule } from './retry-backoff';

describe('retry backoff (seed 002 "Retry Strategies")', () => {
  it('exponential doubles from the base: 1 s, 2 s, 4 s, 8 s…', () => {
    expect(retrySchedule({ backoff: 'exponential', base_delay_ms: 1000, max_retries: 5 })).toEqual([1000, 2000, 4000, 8000, 16000]);
    expect(retrySchedule({ backoff: 'exponential', base_delay_ms: 30, max_retries: 3 })).toEqual([30, 60, 120]);
  });

  it('linear grows by the base: 5 s, 10 s, 15 s…', () => {
    expect(retrySchedule({ backoff: 'linear', base_delay_ms: 5000, max_retries: 4 })).toEqual([5000, 10000, 15000, 20000]);
    expect(retrySchedule({ backoff: 'linear', base_delay_ms: 7, max_retries: 3 })).toEqual([7, 14, 21]);
  });

  it('none never waits', () => {
    expect(retrySchedule({ backoff: 'none', base_delay_ms: 1000, max_retries: 3 })).toEqual([0, 0, 0]);
  });

  it('has one delay per retry and none for max_retries 0', () => {
    expect(retrySchedule({ backoff: 'exponential', base_delay_ms: 1000, max_retries: 0 })).toEqual([]);
    expect(retryDelayMs({ backoff: 'exponential', base_delay_ms: 1000 }, 0)).toBe(1000);
    expect(retryDelayMs({ backoff: 'linear', base_delay_ms: 5000 }, 0)).toBe(5000);
  });

  it('refuses a bad retry number or backoff kind', () => {
    expect(() => retryDelayMs({ backoff: 'linear', base_delay_ms: 5 }, -1)).toThrow(RangeError);
    expect(() => retryDelayMs({ backoff: 'linear', base_delay_ms: 5 }, 1.5)).toThrow(RangeError);
    expect(() => retryDelayMs({ backoff: 'fibonacci' as never, base_delay_ms: 5 }, 0)).toThrow(/unknown backoff "fibonacci"/);
  });

  it('abortableSleep waits, and an abort interrupts it with retryable ABORTED', async () => {
    const t0 = Date.now();
    await abortableSleep(30, new AbortController().signal);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);

    const abort = new AbortController();
    const t1 = Date.now();
    setTimeout(() => abort.abort(), 20);
    const err = await abortableSleep(10_000, abort.signal).catch((e) => e);
    expect(Date.now() - t1).toBeLessThan(1000);
    expect(err).toBeInstanceOf(HandlerError);
    expect(err).toMatchObject({ code: 'ABORTED', retryable: true });
  });
});
