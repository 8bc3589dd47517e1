import fc from 'fast-check';
import { PRIORITY_LEVELS, TIERS } from '@apiary/contracts';
import { PriorityPolicy } from './priority.service';

describe('PriorityPolicy', () => {
  const policy = new PriorityPolicy();

  it('scores the seed 002 examples', () => {
    expect(policy.score('normal', 'email_campaign')).toBe(2.0);
    expect(policy.score('high', 'fraud_detection')).toBe(4.5);
    expect(policy.score('high', 'video_generation')).toBe(2.4);
    expect(policy.score('critical', 'finance')).toBe(6.0);
    expect(policy.score('normal', 'text.sentiment')).toBe(2.0);
  });

  it('weights tiers standard < advanced < L20', () => {
    const s = TIERS.map((t) => policy.score('normal', 'noop', t));
    expect(s[0]).toBeLessThan(s[1]);
    expect(s[1]).toBeLessThan(s[2]);
  });

  it('lets configured multipliers override the defaults', () => {
    const custom = new PriorityPolicy({ typeMultipliers: { email_campaign: 2 } });
    expect(custom.score('normal', 'email_campaign')).toBe(4);
  });

  it('refuses non-positive multipliers and negative aging', () => {
    expect(() => new PriorityPolicy({ typeMultipliers: { x: 0 } })).toThrow(RangeError);
    expect(() => new PriorityPolicy({ agingPerMinute: -1 })).toThrow(RangeError);
  });

  it('orders by rank exactly as by aged score, at any instant (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            level: fc.constantFrom(...PRIORITY_LEVELS),
            createdAt: fc.integer({ min: 1_700_000_000_000, max: 1_700_000_600_000 }),
          }),
          { minLength: 2, maxLength: 30 },
        ),
        fc.integer({ min: 1_700_000_600_000, max: 1_700_003_600_000 }),
        (tasks, now) => {
          const scored = tasks.map((t) => {
            const score = policy.score(t.level, 'noop');
            return { rank: policy.rank(score, t.createdAt), aged: policy.agedScore(score, t.createdAt, now) };
          });
          for (const a of scored) {
            for (const b of scored) {
              if (a.rank > b.rank + 1e-9) expect(a.aged).toBeGreaterThan(b.aged - 1e-9);
            }
          }
        },
      ),
    );
  });

  it('orders the seed 002 example by score, ties in request order', () => {
    const ordered = policy.prioritize([
      { type: 'email_campaign', priority: 'normal' },
      { type: 'fraud_detection', priority: 'high' },
      { type: 'video_generation', priority: 'high' },
      { type: 'finance', priority: 'critical' },
      { type: 'noop', priority: 'normal' },
    ]);
    expect(ordered.map((t) => [t.type, t.score])).toEqual([
      ['finance', 6], ['fraud_detection', 4.5], ['video_generation', 2.4], ['email_campaign', 2], ['noop', 2],
    ]);
    expect(ordered.map((t) => t.index)).toEqual([3, 1, 2, 0, 4]);
  });

  it('ages a waiting low task past a fresh critical one', () => {
    const t0 = 1_700_000_000_000;
    const low = policy.rank(policy.score('low', 'noop'), t0);
    const criticalLater = policy.rank(policy.score('critical', 'noop'), t0 + 7 * 60_000);
    expect(low).toBeGreaterThan(criticalLater);
    const criticalSoon = policy.rank(policy.score('critical', 'noop'), t0 + 60_000);
    expect(low).toBeLessThan(criticalSoon);
  });
});
