import pino from 'pino';
import type { DecisionCount } from '@apiary/persistence';
import { DecisionCounters } from './decision-counters';

function fakeRepo() {
  const stored = new Map<string, DecisionCount>();
  const writes: DecisionCount[][] = [];
  let failNext = false;
  return {
    stored,
    writes,
    failOnce: () => void (failNext = true),
    add: async (counts: DecisionCount[]) => {
      if (failNext) {
        failNext = false;
        throw new Error('database down');
      }
      writes.push(counts);
      for (const c of counts) {
        const s = stored.get(c.task_type) ?? { task_type: c.task_type, decisions: 0, confidence_sum: 0 };
        stored.set(c.task_type, { task_type: c.task_type, decisions: s.decisions + c.decisions, confidence_sum: s.confidence_sum + c.confidence_sum });
      }
    },
    all: async () => [...stored.values()].map((c) => ({ ...c })),
  };
}

describe('DecisionCounters', () => {
  const logger = pino({ level: 'silent' });

  it('writes many decisions as one batch per flush, one row per task type', async () => {
    const repo = fakeRepo();
    const counters = new DecisionCounters(repo, 1000, logger);
    for (let i = 0; i < 500; i++) counters.record(i % 2 ? 'a' : 'b', 0.5);
    await counters.flush();
    await counters.flush(); // nothing pending: no write
    expect(repo.writes).toEqual([[{ task_type: 'b', decisions: 250, confidence_sum: 125 }, { task_type: 'a', decisions: 250, confidence_sum: 125 }]]);
  });

  it('keeps the counts of a failed flush for the next one, and reports pending counts in totals', async () => {
    const repo = fakeRepo();
    const counters = new DecisionCounters(repo, 1000, logger);
    counters.record('a', 0.7);
    repo.failOnce();
    await expect(counters.flush()).rejects.toThrow('database down');
    counters.record('a', 0.9);
    expect(await counters.totals()).toEqual([{ task_type: 'a', decisions: 2, confidence_sum: 1.6 }]);
    await counters.flush();
    counters.record('b', 1);
    expect(await counters.totals()).toEqual([
      { task_type: 'a', decisions: 2, confidence_sum: 1.6 },
      { task_type: 'b', decisions: 1, confidence_sum: 1 },
    ]);
    await counters.stop();
    expect([...repo.stored.values()].map((c) => c.decisions)).toEqual([2, 1]);
  });
});
