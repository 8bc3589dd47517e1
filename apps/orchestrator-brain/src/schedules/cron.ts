import { Cron } from 'croner';
import { ApiaryError } from '@apiary/contracts';

/** Most occurrences counted one by one when catching up a gap (a larger gap is measured from its ends). */
export const MAX_ENUMERATED_OCCURRENCES = 1000;

/**
 * A cron expression in a time zone (croner): 5 fields, or 6 with seconds first.
 * Occurrences are computed, never scheduled with timers: the scheduler compares
 * them with the database clock.
 */
export class CronSchedule {
  private readonly cron: Cron;

  /**
   * @param expression cron expression
   * @param timezone IANA time zone (default UTC)
   * @throws ApiaryError `INVALID_SCHEDULE` naming `cron` or `timezone`
   */
  constructor(
    readonly expression: string,
    readonly timezone = 'UTC',
  ) {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: timezone });
    } catch {
      throw new ApiaryError('INVALID_SCHEDULE', `timezone: unknown time zone "${timezone}" (use an IANA name, e.g. Europe/Berlin)`, { field: 'timezone' });
    }
    try {
      // UTC as an offset: croner's time zone conversion costs ~8x more per occurrence.
      this.cron = new Cron(expression, timezone === 'UTC' ? { utcOffset: 0, paused: true } : { timezone, paused: true });
    } catch (e) {
      throw new ApiaryError('INVALID_SCHEDULE', `cron: ${(e as Error).message}`, { field: 'cron' });
    }
  }

  /** @returns the first occurrence strictly after `after`, or null when there is none */
  next(after: Date): Date | null {
    return this.cron.nextRun(after);
  }

  /** @returns the last occurrence strictly before `before`, or null */
  previous(before: Date): Date | null {
    return this.cron.previousRuns(1, before)[0] ?? null;
  }
}

/** What to record for an occurrence (or a gap of missed occurrences). */
export interface OccurrenceAction {
  /** `fire`: start the workflow or task; `skip`: record the missed occurrences only. */
  kind: 'fire' | 'skip';
  /** The occurrence (the last one of a gap). */
  occurrence: Date;
  /** Occurrences it stands for (> 1 for a gap). */
  missed: number;
}

/** The scheduler's decision for one due schedule. */
export interface DueDecision {
  actions: OccurrenceAction[];
  /** The next occurrence after `now` (null: none left). */
  next: Date | null;
}

/**
 * Decides what a due schedule does (pure; the clock is a parameter). Occurrences
 * from `nextRunAt` up to `now` are on time when less than `misfireMs` old: each is
 * fired. Older ones were missed while no brain ran: with `catchUp` they are run
 * once (one fire, recorded at the last missed occurrence), otherwise skipped (one
 * `skip` record). Either way the schedule then waits for its first occurrence
 * after `now`.
 * @param cron the schedule's expression
 * @param nextRunAt the stored next occurrence (≤ now)
 * @param now current time (the database's)
 * @param misfireMs lateness from which an occurrence counts as missed, ms
 * @param catchUp the schedule's `catch_up` flag
 */
export function decideDue(cron: Pick<CronSchedule, 'next' | 'previous'>, nextRunAt: Date, now: Date, misfireMs: number, catchUp: boolean): DueDecision {
  const lateBefore = now.getTime() - misfireMs;
  let missed = 0;
  let lastMissed: Date | null = null;
  const onTime: Date[] = [];
  let o: Date | null = nextRunAt;
  let counted = 0;
  while (o && o.getTime() <= now.getTime()) {
    if (o.getTime() <= lateBefore) {
      missed += 1;
      lastMissed = o;
    } else {
      onTime.push(o);
    }
    if (++counted >= MAX_ENUMERATED_OCCURRENCES) {
      // A huge gap: measure it from its last missed occurrence instead of counting every one.
      const last = cron.previous(new Date(lateBefore + 1));
      if (last && (!lastMissed || last.getTime() > lastMissed.getTime())) {
        lastMissed = last;
        missed += 1; // at least one more; the exact count of a gap this long is not worth the work
      }
      onTime.length = 0;
      o = lastMissed ? cron.next(lastMissed) : cron.next(new Date(lateBefore));
      while (o && o.getTime() <= now.getTime()) {
        onTime.push(o);
        o = cron.next(o);
      }
      break;
    }
    o = cron.next(o);
  }
  const actions: OccurrenceAction[] = [];
  if (lastMissed) actions.push({ kind: catchUp ? 'fire' : 'skip', occurrence: lastMissed, missed });
  for (const t of onTime) actions.push({ kind: 'fire', occurrence: t, missed: 1 });
  return { actions, next: o && o.getTime() > now.getTime() ? o : cron.next(now) };
}
