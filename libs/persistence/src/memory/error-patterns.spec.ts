import { ERROR_PATTERNS_PER_BUCKET, ErrorPatternCounter, normaliseErrorMessage } from './error-patterns';

describe('normaliseErrorMessage', () => {
  it('makes messages of one failure mode equal', () => {
    expect(normaliseErrorMessage('timed out after 5012 ms (task 0b6c1f7e-0000-4000-8000-000000000001)')).toBe(
      'timed out after # ms (task <id>)',
    );
    expect(normaliseErrorMessage('timed out after 30000 ms (task 9a9a9a9a-0000-4000-8000-0000000000ff)')).toBe(
      'timed out after # ms (task <id>)',
    );
    expect(normaliseErrorMessage('object 5f3a9c01d2 missing,   retry   in 1.5s')).toBe('object <id> missing, retry in #s');
  });

  it('leaves words alone, empties null, and cuts at 160 characters', () => {
    expect(normaliseErrorMessage('deadlock detected')).toBe('deadlock detected');
    expect(normaliseErrorMessage(null)).toBe('');
    expect(normaliseErrorMessage('x'.repeat(500))).toHaveLength(160);
  });
});

describe('ErrorPatternCounter', () => {
  it('counts per (code, message), most frequent first, ties in code then message order', () => {
    const c = new ErrorPatternCounter();
    c.add('HTTP_503', '');
    c.add('HTTP_TIMEOUT', 'timed out after # ms');
    c.add('HTTP_503', '');
    c.add('HANDLER_ERROR', 'b');
    c.add('HANDLER_ERROR', 'a');
    expect(c.top(3)).toEqual([
      { code: 'HTTP_503', message: '', count: 2 },
      { code: 'HANDLER_ERROR', message: 'a', count: 1 },
      { code: 'HANDLER_ERROR', message: 'b', count: 1 },
    ]);
  });

  it('keeps a bounded top-k whose merge does not depend on merge order', () => {
    const lists = [0, 1, 2].map((seed) => {
      const c = new ErrorPatternCounter();
      for (let i = 0; i < 40; i++) c.add(`E${(i * (seed + 3)) % 37}`, '', 1 + ((i + seed) % 5));
      return c.top();
    });
    expect(lists.every((l) => l.length === ERROR_PATTERNS_PER_BUCKET)).toBe(true);
    const forward = new ErrorPatternCounter();
    const backward = new ErrorPatternCounter();
    for (const l of lists) forward.addAll(l);
    for (const l of [...lists].reverse()) backward.addAll(l);
    expect(forward.top()).toEqual(backward.top());
    expect(forward.top().length).toBe(ERROR_PATTERNS_PER_BUCKET);
    // Counts of the kept patterns are the sums over the lists holding them.
    for (const p of forward.top()) {
      const sum = lists.flat().filter((q) => q.code === p.code && q.message === p.message).reduce((n, q) => n + q.count, 0);
      expect(p.count).toBe(sum);
    }
  });

  it('skips malformed stored entries', () => {
    const c = new ErrorPatternCounter();
    c.addAll([{ code: 'A', message: '', count: 2 }, { code: 5, message: '', count: 1 }, { code: 'B', message: '', count: -1 }, null]);
    c.addAll('not a list');
    expect(c.top()).toEqual([{ code: 'A', message: '', count: 2 }]);
  });
});
