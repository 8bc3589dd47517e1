import { ApiaryError } from '@apiary/contracts';
import { CronSchedule, decideDue } from './cron';

const at = (iso: string) => new Date(iso);

describe('CronSchedule', () => {
  it('computes occurrences with seconds and in a time zone (DST included)', () => {
    const everySecond = new CronSchedule('* * * * * *');
    expect(everySecond.next(at('2026-01-01T00:00:00.400Z'))).toEqual(at('2026-01-01T00:00:01Z'));
    expect(everySecond.next(at('2026-01-01T00:00:01Z'))).toEqual(at('2026-01-01T00:00:02Z'));
    const nightly = new CronSchedule('0 2 * * *', 'Europe/Berlin');
    expect(nightly.next(at('2026-01-10T12:00:00Z'))).toEqual(at('2026-01-11T01:00:00Z')); // CET = UTC+1
    expect(nightly.next(at('2026-07-10T12:00:00Z'))).toEqual(at('2026-07-11T00:00:00Z')); // CEST = UTC+2
    expect(nightly.previous(at('2026-07-11T00:00:00Z'))).toEqual(at('2026-07-10T00:00:00Z'));
  });

  it.each([
    ['not cron', 'UTC', 'cron'],
    ['61 * * * *', 'UTC', 'cron'],
    ['* * * * *', 'Mars/Olympus', 'timezone'],
  ])('refuses %s in %s naming %s', (expr, tz, field) => {
    let error: unknown;
    try {
      new CronSchedule(expr, tz);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiaryError);
    expect((error as ApiaryError).code).toBe('INVALID_SCHEDULE');
    expect((error as ApiaryError).message.startsWith(`${field}: `)).toBe(true);
  });
});

describe('decideDue', () => {
  const everySecond = new CronSchedule('* * * * * *');
  const hourly = new CronSchedule('0 * * * *');

  it('fires an on-time occurrence and moves to the next one', () => {
    const d = decideDue(everySecond, at('2026-01-01T00:00:05Z'), at('2026-01-01T00:00:05.200Z'), 5000, false);
    expect(d).toEqual({ actions: [{ kind: 'fire', occurrence: at('2026-01-01T00:00:05Z'), missed: 1 }], next: at('2026-01-01T00:00:06Z') });
  });

  it('fires each occurrence of a late tick that is still within the misfire threshold', () => {
    const d = decideDue(everySecond, at('2026-01-01T00:00:05Z'), at('2026-01-01T00:00:07.500Z'), 5000, false);
    expect(d.actions.map((a) => [a.kind, a.occurrence.toISOString()])).toEqual([
      ['fire', '2026-01-01T00:00:05.000Z'],
      ['fire', '2026-01-01T00:00:06.000Z'],
      ['fire', '2026-01-01T00:00:07.000Z'],
    ]);
    expect(d.next).toEqual(at('2026-01-01T00:00:08Z'));
  });

  it('skips missed occurrences without catch_up (one record), runs them once with it', () => {
    const now = at('2026-01-01T05:30:00Z');
    const skip = decideDue(hourly, at('2026-01-01T01:00:00Z'), now, 5000, false);
    expect(skip).toEqual({ actions: [{ kind: 'skip', occurrence: at('2026-01-01T05:00:00Z'), missed: 5 }], next: at('2026-01-01T06:00:00Z') });
    const catchUp = decideDue(hourly, at('2026-01-01T01:00:00Z'), now, 5000, true);
    expect(catchUp.actions).toEqual([{ kind: 'fire', occurrence: at('2026-01-01T05:00:00Z'), missed: 5 }]);
  });

  it('keeps a recent occurrence on time after a gap', () => {
    const d = decideDue(everySecond, at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:10.500Z'), 5000, true);
    expect(d.actions[0]).toEqual({ kind: 'fire', occurrence: at('2026-01-01T00:00:05Z'), missed: 6 });
    expect(d.actions.slice(1).map((a) => a.occurrence.toISOString())).toEqual([
      '2026-01-01T00:00:06.000Z', '2026-01-01T00:00:07.000Z', '2026-01-01T00:00:08.000Z', '2026-01-01T00:00:09.000Z', '2026-01-01T00:00:10.000Z',
    ]);
    expect(d.next).toEqual(at('2026-01-01T00:00:11Z'));
  });

  it('measures a huge gap from its ends instead of counting every occurrence', () => {
    const t0 = Date.now();
    const d = decideDue(everySecond, at('2026-01-01T00:00:00Z'), at('2026-01-03T00:00:00.500Z'), 5000, false);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(d.actions[0]).toMatchObject({ kind: 'skip', occurrence: at('2026-01-02T23:59:55Z') });
    expect(d.actions[0].missed).toBeGreaterThan(1000);
    expect(d.actions.slice(1).map((a) => a.kind)).toEqual(['fire', 'fire', 'fire', 'fire', 'fire']);
    expect(d.next).toEqual(at('2026-01-03T00:00:01Z'));
  });
});
