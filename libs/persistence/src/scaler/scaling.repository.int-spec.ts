import { DataSource } from 'typeorm';
import type { ScalingDecision } from '@apiary/contracts';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { createDataSource, migrateDatabase } from '../data-source';
import { ScalingEventRepository, ScalingRuleRepository } from './scaling.repository';

// Real PostgreSQL: a database of its own, migrated, dropped afterwards.
describe('ScalingRuleRepository and ScalingEventRepository (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let rules: ScalingRuleRepository;
  let events: ScalingEventRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 4);
    await ds.initialize();
    rules = new ScalingRuleRepository(ds);
    events = new ScalingEventRepository(ds);
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  const rule = {
    name: 'cpu', metric: 'cpu_percent' as const, scale_up_threshold: 70, scale_down_threshold: 30,
    min_instances: 1, max_instances: 10, cooldown_period: 300, evaluation_period: 60, enabled: true,
  };

  it('creates, replaces by name, lists and deletes rules', async () => {
    const created = await rules.upsert(rule);
    expect(created).toMatchObject({ ...rule, source: 'stored' });
    await rules.upsert({ ...rule, name: 'backlog', metric: 'queue_depth', scale_up_threshold: 100, scale_down_threshold: 5 });
    const replaced = await rules.upsert({ ...rule, scale_up_threshold: 80, enabled: false });
    expect(replaced).toMatchObject({ name: 'cpu', scale_up_threshold: 80, enabled: false });
    expect(Date.parse(replaced.updated_at!)).toBeGreaterThanOrEqual(Date.parse(created.updated_at!));
    expect((await rules.list()).map((r) => r.name)).toEqual(['backlog', 'cpu']);
    expect(await rules.delete('backlog')).toBe(true);
    expect(await rules.delete('backlog')).toBe(false);
    expect((await rules.list()).map((r) => r.name)).toEqual(['cpu']);
  });

  it('refuses inverted thresholds and bounds (CHECK constraints)', async () => {
    await expect(rules.upsert({ ...rule, name: 'bad', scale_up_threshold: 10, scale_down_threshold: 10 })).rejects.toThrow();
    await expect(rules.upsert({ ...rule, name: 'bad', min_instances: 5, max_instances: 4 })).rejects.toThrow();
  });

  function decision(action: 'scale_up' | 'scale_down', at: string, votes: Record<string, string>): ScalingDecision {
    return {
      at, dry_run: false, policy: 'auto', driver: 'local', action, current_instances: 2, recommended_instances: action === 'scale_up' ? 4 : 1,
      bounds: { min: 1, max: 10 }, votes: { up: 1, down: 0, hold: 0, abstain: 0 },
      rule_evaluations: Object.entries(votes).map(([r, vote]) => ({
        rule: r, metric: 'cpu_percent', value: 1, samples: 1, evaluation_period: 60, scale_up_threshold: 70, scale_down_threshold: 30,
        min_instances: 1, max_instances: 10, vote: vote as never, cooldown_remaining_s: 0, reason: 'x',
      })),
      prediction: null,
      target: { queue_depth: 10, arrivals_per_s: 0, capacity_per_replica_per_s: 5, capacity_source: 'heartbeats', drain_target_s: 60, required_per_s: 0.2, replicas: 1 },
      reasoning: [{ type: 'vote', reason: 'because' }],
      metrics: { queue_depth: 10 } as ScalingDecision['metrics'],
    };
  }

  it('stores events with their whole decision, pages them newest first, counts votes per rule', async () => {
    const e1 = await events.insert({ decision: decision('scale_up', '2026-03-01T12:00:00.000Z', { cpu: 'up', backlog: 'up' }), oldInstances: 2, newInstances: 4, applied: true, error: null });
    const e2 = await events.insert({ decision: decision('scale_down', '2026-03-01T12:05:00.000Z', { cpu: 'down', backlog: 'hold' }), oldInstances: 4, newInstances: 1, applied: true, error: null });
    await events.insert({ decision: decision('scale_up', '2026-03-01T12:10:00.000Z', { cpu: 'up' }), oldInstances: 1, newInstances: 4, applied: false, error: 'forbidden' });
    expect(e1).toMatchObject({ action: 'scale_up', old_instances: 2, new_instances: 4, applied: true, error: null, reasoning: [{ type: 'vote', reason: 'because' }], at: '2026-03-01T12:00:00.000Z' });
    expect(e2.id).toBeGreaterThan(e1.id);
    const page1 = await events.list(2);
    expect(page1.map((e) => [e.action, e.applied, e.error])).toEqual([['scale_up', false, 'forbidden'], ['scale_down', true, null]]);
    expect((await events.list(2, page1[1].id)).map((e) => e.id)).toEqual([e1.id]);
    expect(await events.count()).toBe(3);
    expect((await events.lastAppliedAt())!.toISOString()).toBe('2026-03-01T12:05:00.000Z');
    const counts = await events.ruleVoteCounts();
    expect(counts.get('cpu')).toEqual({ up: 1, down: 1 });
    expect(counts.get('backlog')).toEqual({ up: 1, down: 0 });
  });
});
