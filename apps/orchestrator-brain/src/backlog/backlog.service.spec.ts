import { BacklogService } from './backlog.service';
import type { BacklogCounts, TypeBacklogRow } from './backlog.repository';

function row(task_type: string, overrides: Partial<TypeBacklogRow> = {}): TypeBacklogRow {
  return { task_type, queued: 0, retrying: 0, in_flight: 0, arrivals: 0, completions: 0, oldest_queued_age_ms: null, ...overrides };
}

describe('BacklogService', () => {
  const at = new Date('2026-03-01T12:00:00.000Z');
  function service(rows: TypeBacklogRow[]) {
    const asked: number[] = [];
    const svc = new BacklogService({
      countsByType: async (windowS: number): Promise<BacklogCounts> => {
        asked.push(windowS);
        return { at, rows };
      },
    });
    return { svc, asked };
  }

  it('sums the types, takes the oldest queued age over them, and keeps by_type as read', async () => {
    const rows = [
      row('a', { queued: 3, retrying: 1, arrivals: 10, completions: 4, oldest_queued_age_ms: 1200 }),
      row('b', { in_flight: 2, arrivals: 1, completions: 7 }),
      row('c', { queued: 1, oldest_queued_age_ms: 90_000 }),
    ];
    const { svc, asked } = service(rows);
    const reply = await svc.backlog({ window_s: 60 });
    expect(asked).toEqual([60]);
    expect(reply).toEqual({
      window_s: 60,
      at: '2026-03-01T12:00:00.000Z',
      queued: 4,
      retrying: 1,
      in_flight: 2,
      arrivals: 11,
      completions: 11,
      oldest_queued_age_ms: 90_000,
      by_type: rows,
    });
  });

  it('defaults the window to 300 s and reports no oldest age when nothing is queued', async () => {
    const { svc, asked } = service([row('a', { retrying: 2 })]);
    const reply = await svc.backlog({});
    expect(asked).toEqual([300]);
    expect(reply.oldest_queued_age_ms).toBeNull();
    expect(reply.queued).toBe(0);
    expect(reply.retrying).toBe(2);
  });
});
