import { SuggestionView } from '@apiary/contracts';
import type { SuggestionRecord } from '@apiary/persistence';
import { approve, completeImpact, implemented, improvementOf, planImpact, reject } from './suggestion-lifecycle';

function view(overrides: Partial<SuggestionView> = {}): SuggestionView {
  return {
    id: '00000000-0000-4000-8000-000000000001',
    key: 'high_latency:t:svc',
    rule: 'high_latency',
    task_type: 't',
    service: 'svc',
    priority: 'high',
    category: 'performance_bottleneck',
    title: 'High p95 latency of svc on t',
    description: '',
    action: 'investigate_latency',
    evidence: {
      metric: 'p95_latency_ms', value: 8000, threshold: 5000, samples: 50, details: {},
      window: { from: '2026-03-01T11:00:00.000Z', to: '2026-03-01T12:00:00.000Z', hours: 1 },
    },
    auto_apply: false,
    requires: 'MANUAL_APPROVAL',
    status: 'open',
    occurrences: 1,
    first_seen_at: '2026-03-01T12:00:00.000Z',
    last_seen_at: '2026-03-01T12:00:00.000Z',
    decided_at: null,
    decided_by: null,
    decision_reason: null,
    implemented_at: null,
    impact: null,
    created_at: '2026-03-01T12:00:00.000Z',
    updated_at: '2026-03-01T12:00:00.000Z',
    ...overrides,
  };
}
const at = new Date('2026-03-01T12:30:10.000Z');

describe('suggestion lifecycle', () => {
  it('approves open suggestions only', () => {
    expect(approve(view(), 'key-1', at)).toEqual({ status: 'approved', decided_at: at, decided_by: 'key-1' });
    for (const status of ['approved', 'rejected', 'implemented'] as const) {
      expect(() => approve(view({ status }), null, at)).toThrow(expect.objectContaining({
        code: 'SUGGESTION_INVALID_TRANSITION',
        message: `Suggestion 00000000-0000-4000-8000-000000000001 is ${status}; only open suggestions can be approved`,
        details: { status, allowed_from: ['open'] },
      }));
    }
  });

  it('rejects open or approved suggestions with the reason', () => {
    expect(reject(view(), 'not now', null, at)).toEqual({ status: 'rejected', decided_at: at, decided_by: null, decision_reason: 'not now' });
    expect(reject(view({ status: 'approved' }), 'changed my mind', 'k', at).status).toBe('rejected');
    expect(() => reject(view({ status: 'rejected' }), 'x', null, at)).toThrow(expect.objectContaining({ code: 'SUGGESTION_INVALID_TRANSITION' }));
    expect(() => reject(view({ status: 'implemented' }), 'x', null, at)).toThrow(expect.objectContaining({ code: 'SUGGESTION_INVALID_TRANSITION' }));
  });

  it('marks approved suggestions implemented and plans the impact over a window of the same length from the next whole minute', () => {
    const record: SuggestionRecord = { view: view({ status: 'approved' }), direction: 'lower_is_better', impactDueAt: null };
    const patch = implemented(record, 'k', at);
    expect(patch).toEqual({
      status: 'implemented',
      implemented_at: at,
      decided_by: 'k',
      impact_due_at: new Date('2026-03-01T13:31:02.000Z'),
      impact: {
        status: 'pending', metric: 'p95_latency_ms', direction: 'lower_is_better', before: 8000,
        before_window: record.view.evidence.window,
        after: null,
        after_window: { from: '2026-03-01T12:31:00.000Z', to: '2026-03-01T13:31:00.000Z', hours: 1 },
        improvement: null, measured_at: null,
      },
    });
    expect(() => implemented({ ...record, view: view({ status: 'open' }) }, null, at)).toThrow(
      expect.objectContaining({ code: 'SUGGESTION_INVALID_TRANSITION', details: { status: 'open', allowed_from: ['approved'] } }),
    );
  });

  it('gives short windows at least a minute, and a time on a whole minute starts there', () => {
    const short = view({ evidence: { ...view().evidence, window: { from: '2026-03-01T11:59:24.000Z', to: '2026-03-01T12:00:00.000Z', hours: 0.01 } } });
    const { impact, dueAt } = planImpact(short, 'lower_is_better', Date.parse('2026-03-01T12:05:00.000Z'));
    expect(impact.after_window).toEqual({ from: '2026-03-01T12:05:00.000Z', to: '2026-03-01T12:06:00.000Z', hours: 1 / 60 });
    expect(dueAt.toISOString()).toBe('2026-03-01T12:06:02.000Z');
  });

  it('computes a direction-aware signed improvement', () => {
    expect(improvementOf('lower_is_better', 8000, 2000)).toBe(0.75);
    expect(improvementOf('lower_is_better', 0.2, 0.3)).toBe(-0.5);
    expect(improvementOf('higher_is_better', 0.8, 1)).toBe(0.25);
    expect(improvementOf('higher_is_better', 0.1, 0.05)).toBe(-0.5);
    expect(improvementOf('lower_is_better', 1, 0)).toBe(1);
    expect(improvementOf('lower_is_better', 0, 0)).toBe(0);
    expect(improvementOf('lower_is_better', 0, 3)).toBeNull();
    expect(improvementOf('lower_is_better', 5, null)).toBeNull();
  });

  it('completes an impact with the measured window', () => {
    const { impact } = planImpact(view(), 'lower_is_better', Date.parse('2026-03-01T12:30:10.000Z'));
    const measured = Date.parse('2026-03-01T13:35:00.000Z');
    expect(completeImpact(impact, 2000, measured)).toEqual({
      ...impact,
      status: 'measured', after: 2000, improvement: 0.75, measured_at: '2026-03-01T13:35:00.000Z',
      after_window: { from: '2026-03-01T12:31:00.000Z', to: '2026-03-01T13:35:00.000Z', hours: 64 / 60 },
    });
    expect(completeImpact(impact, null, measured)).toMatchObject({ status: 'no_data', after: null, improvement: null });
  });
});
