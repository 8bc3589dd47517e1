import pino from 'pino';
import type { AnalysisReply, AnalysisSummary } from '@apiary/contracts';
import { AnalysisScheduler, ANALYSIS_LOCK_KEY } from './analysis-scheduler';

describe('AnalysisScheduler', () => {
  const logger = pino({ level: 'silent' });
  const now = Date.parse('2026-03-01T12:00:00.000Z');

  function setup(opts: { locked?: boolean; lastStartedAgoMs?: number; fail?: boolean } = {}) {
    const analyses: [number, string][] = [];
    let measured = 0;
    const lockKeys: number[] = [];
    const repo = {
      withTryLock: async <T>(key: number, fn: () => Promise<T>) => {
        lockKeys.push(key);
        return opts.locked ? ({ ran: false } as const) : ({ ran: true, result: await fn() } as const);
      },
      lastAnalysis: async (trigger?: string) => {
        expect(trigger).toBe('periodic');
        return opts.lastStartedAgoMs === undefined ? null : ({ started_at: new Date(now - opts.lastStartedAgoMs).toISOString() } as AnalysisSummary);
      },
    };
    const analysis = {
      analyze: async (hours: number, trigger: 'manual' | 'periodic') => {
        if (opts.fail) throw new Error('memory down');
        analyses.push([hours, trigger]);
        return { analysis_id: 'a', findings: 0, created: 0, updated: 0 } as AnalysisReply;
      },
    };
    const impacts = { measureDue: async () => ((measured += 1), 0) };
    const scheduler = new AnalysisScheduler(analysis, impacts, repo, { intervalMs: 300_000, windowHours: 2 }, logger, () => now);
    return { scheduler, analyses, lockKeys, measured: () => measured };
  }

  it('runs a periodic analysis under the advisory lock, then measures due impacts', async () => {
    const { scheduler, analyses, lockKeys, measured } = setup({ lastStartedAgoMs: 270_000 });
    expect(await scheduler.tick()).toBe('ran');
    expect(lockKeys).toEqual([ANALYSIS_LOCK_KEY]);
    expect(analyses).toEqual([[2, 'periodic']]);
    expect(measured()).toBe(1);
  });

  it('skips the analysis when another replica holds the lock or ran one within 90% of the interval, still measuring impacts', async () => {
    const locked = setup({ locked: true });
    expect(await locked.scheduler.tick()).toBe('locked');
    expect(locked.analyses).toEqual([]);
    expect(locked.measured()).toBe(1);
    const recent = setup({ lastStartedAgoMs: 269_999 });
    expect(await recent.scheduler.tick()).toBe('recent');
    expect(recent.analyses).toEqual([]);
    expect(recent.measured()).toBe(1);
  });

  it('logs a failed analysis instead of throwing', async () => {
    const { scheduler, measured } = setup({ fail: true });
    expect(await scheduler.tick()).toBe('failed');
    expect(measured()).toBe(1);
  });

  it('ticks every interval once started, and not at all with interval 0', async () => {
    jest.useFakeTimers();
    try {
      const { scheduler, analyses } = setup();
      scheduler.start();
      await jest.advanceTimersByTimeAsync(299_999);
      expect(analyses).toEqual([]);
      await jest.advanceTimersByTimeAsync(1);
      expect(analyses).toHaveLength(1);
      await scheduler.stop();
      await jest.advanceTimersByTimeAsync(600_000);
      expect(analyses).toHaveLength(1);
      const off = new AnalysisScheduler({ analyze: async () => Promise.reject(new Error('never')) }, { measureDue: async () => 0 },
        { withTryLock: async () => ({ ran: false }), lastAnalysis: async () => null }, { intervalMs: 0, windowHours: 1 }, logger);
      off.start();
      await jest.advanceTimersByTimeAsync(3_600_000);
      expect(jest.getTimerCount()).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
