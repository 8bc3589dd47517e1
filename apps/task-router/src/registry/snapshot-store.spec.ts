import pino from 'pino';
import type { ModuleRow, PolicyRow } from '@apiary/persistence';
import { RouterSnapshot } from './router-snapshot';
import { SnapshotSource, SnapshotStore } from './snapshot-store';

function row(name: string, enabled = true): ModuleRow {
  const t = new Date(0);
  return {
    name, kind: 'service', category: 'ai-service', enabled, depends_on: [], capabilities: ['email'], endpoint: `http://${name}`,
    status: 'healthy', status_source: 'registration', health_check_enabled: false, health_check_path: '/health',
    consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
    protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {},
  };
}

/** In-memory source: a version and rows the test changes; counts reads. */
class MemorySource implements SnapshotSource {
  version_ = '1';
  rows: ModuleRow[] = [row('a')];
  policyRows: PolicyRow[] = [];
  reads = 0;
  fail = false;
  async version(): Promise<string> {
    if (this.fail) throw new Error('database down');
    return this.version_;
  }
  async modules(): Promise<ModuleRow[]> {
    this.reads++;
    return this.rows;
  }
  async policies(): Promise<PolicyRow[]> {
    return this.policyRows;
  }
}

describe('SnapshotStore', () => {
  const build = (v: string, m: ModuleRow[], p: PolicyRow[]) => new RouterSnapshot(v, m, p, ['noop'], 'round_robin');
  const make = (source: MemorySource) => new SnapshotStore(source, build, RouterSnapshot.empty(['noop'], 'round_robin'), 60_000, pino({ level: 'silent' }));

  it('reloads on a poll only when the version changed', async () => {
    const source = new MemorySource();
    const store = make(source);
    expect(store.current.capable('email')).toEqual([]);
    await store.reload();
    expect(store.current.capable('email').map((s) => s.service_name)).toEqual(['a']);
    await store.poll();
    expect(source.reads).toBe(1);
    source.rows = [row('a'), row('b', false)];
    source.version_ = '2';
    await store.poll();
    expect(source.reads).toBe(2);
    expect(store.current.version).toBe('2');
    expect(store.current.capabilityState('email')).toBe('enabled');
    expect(store.current.capable('email').map((s) => [s.service_name, s.enabled])).toEqual([['a', true], ['b', false]]);
  });

  it('a failed poll keeps the snapshot; a failed reload after a write is not thrown', async () => {
    const source = new MemorySource();
    const store = make(source);
    await store.reload();
    source.fail = true;
    source.version_ = '9';
    await expect(store.poll()).resolves.toBeUndefined();
    await expect(store.refreshAfterWrite()).resolves.toBeUndefined();
    expect(store.current.version).toBe('1');
    source.fail = false;
    await store.poll();
    expect(store.current.version).toBe('9');
  });
});
