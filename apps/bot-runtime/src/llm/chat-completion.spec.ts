// Proves how a provider's 429 wait is read (retry-after-ms, retry-after seconds or HTTP date, x-ratelimit-reset-*
// whose remaining is 0, else the default) and how OpenAI reset durations ("6m0s", "1h2m3.5s", "1.5") parse.
import { DEFAULT_THROTTLE_MS, durationMs, ProviderThrottledError, retryAfterOf } from './chat-completion';

const NOW = Date.parse('2026-01-01T00:00:00.000Z');
const h = (init: Record<string, string>) => new Headers(init);

describe('retryAfterOf', () => {
  it('prefers retry-after-ms, rounded up to whole ms and at least 1', () => {
    expect(retryAfterOf(h({ 'retry-after-ms': '1500', 'retry-after': '30' }), NOW)).toEqual({ ms: 1500, source: 'retry-after-ms' });
    expect(retryAfterOf(h({ 'retry-after-ms': '1.2' }), NOW)).toEqual({ ms: 2, source: 'retry-after-ms' });
    expect(retryAfterOf(h({ 'retry-after-ms': '0' }), NOW)).toEqual({ ms: 1, source: 'retry-after-ms' });
  });

  it('reads retry-after as seconds', () => {
    expect(retryAfterOf(h({ 'retry-after': '3' }), NOW)).toEqual({ ms: 3000, source: 'retry-after' });
    expect(retryAfterOf(h({ 'retry-after': '0.25' }), NOW)).toEqual({ ms: 250, source: 'retry-after' });
    expect(retryAfterOf(h({ 'retry-after-ms': 'soon', 'retry-after': '2' }), NOW)).toEqual({ ms: 2000, source: 'retry-after' });
  });

  it('reads retry-after as an HTTP date against the clock (a past date waits 1 ms)', () => {
    expect(retryAfterOf(h({ 'retry-after': 'Thu, 01 Jan 2026 00:00:42 GMT' }), NOW)).toEqual({ ms: 42_000, source: 'retry-after' });
    expect(retryAfterOf(h({ 'retry-after': 'Wed, 31 Dec 2025 23:59:00 GMT' }), NOW)).toEqual({ ms: 1, source: 'retry-after' });
  });

  it('takes the x-ratelimit-reset-* whose remaining is 0', () => {
    const requestsOut = h({
      'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-tokens': '20m', 'x-ratelimit-remaining-tokens': '5000',
    });
    expect(retryAfterOf(requestsOut, NOW)).toEqual({ ms: 360_000, source: 'x-ratelimit-reset' });
    const tokensOut = h({
      'x-ratelimit-reset-requests': '6m0s', 'x-ratelimit-remaining-requests': '3',
      'x-ratelimit-reset-tokens': '1.5s', 'x-ratelimit-remaining-tokens': '0',
    });
    expect(retryAfterOf(tokensOut, NOW)).toEqual({ ms: 1500, source: 'x-ratelimit-reset' });
    const bothOut = h({
      'x-ratelimit-reset-requests': '20ms', 'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-tokens': '2s', 'x-ratelimit-remaining-tokens': '0',
    });
    expect(retryAfterOf(bothOut, NOW)).toEqual({ ms: 2000, source: 'x-ratelimit-reset' });
  });

  it('without any remaining 0, takes the longest reset; an unparsable reset is ignored', () => {
    expect(retryAfterOf(h({ 'x-ratelimit-reset-requests': '1s', 'x-ratelimit-reset-tokens': '250ms' }), NOW)).toEqual({ ms: 1000, source: 'x-ratelimit-reset' });
    expect(retryAfterOf(h({ 'x-ratelimit-reset-requests': 'later', 'x-ratelimit-reset-tokens': '250ms', 'x-ratelimit-remaining-requests': '0' }), NOW)).toEqual({
      ms: 250,
      source: 'x-ratelimit-reset',
    });
  });

  it('defaults to 1 s when nothing says how long', () => {
    expect(DEFAULT_THROTTLE_MS).toBe(1000);
    expect(retryAfterOf(undefined, NOW)).toEqual({ ms: 1000, source: 'default' });
    expect(retryAfterOf(h({}), NOW)).toEqual({ ms: 1000, source: 'default' });
    expect(retryAfterOf(h({ 'retry-after': 'whenever', 'x-ratelimit-reset-requests': 'soon' }), NOW)).toEqual({ ms: 1000, source: 'default' });
  });
});

describe('durationMs', () => {
  it.each([
    ['1s', 1000],
    ['20ms', 20],
    ['6m0s', 360_000],
    ['1h2m3.5s', 3_723_500],
    ['1.5', 1500],
    ['7', 7000],
    ['0s', 0],
    [' 2s ', 2000],
    ['1h', 3_600_000],
  ])('%p is %p ms', (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each([null, '', '   ', 'soon', '1m30', '-1s', '5 s', '1.5.2', 's', '2d'])('%p is undefined', (text) => {
    expect(durationMs(text)).toBeUndefined();
  });
});

describe('ProviderThrottledError', () => {
  it('is a retryable HTTP_429 carrying the wait and its source', () => {
    const e = new ProviderThrottledError('429 from p', 2500, 'retry-after');
    expect(e).toMatchObject({ code: 'HTTP_429', retryable: true, retryAfterMs: 2500, source: 'retry-after', deferred: false, exhausted: false, name: 'ProviderThrottledError' });
  });
});
