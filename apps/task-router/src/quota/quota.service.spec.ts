// Proves QuotaService over a strict in-memory QuotaStore: permits (unlimited, rpm, concurrency leases), 429 pauses,
// the admission rates per quota group (<cap>|*, |model=, |class=) and token corrections on release.
import pino from 'pino';
import type { ModelClass, QuotaAcquireRequest, ServiceLimits } from '@apiary/contracts';
import type { ModuleRow, QuotaRow, QuotaUsageRow, QuotaWrite, ReserveOutcome } from '@apiary/persistence';
import { RouterSnapshot } from '../registry/router-snapshot';
import { QuotaConfig, QuotaService, QuotaStore } from './quota.service';

const T0 = 1_700_000_000_000;

function service(name: string, fields: Partial<ModuleRow> = {}): ModuleRow {
  const t = new Date(0);
  return {
    name, kind: 'service', category: 'ai-service', enabled: true, depends_on: [], capabilities: ['email'], endpoint: `http://${name}:5100`,
    status: 'healthy', status_source: 'registration', health_check_enabled: true, health_check_path: '/health',
    consecutive_failures: 0, consecutive_successes: 0, last_checked_at: null, registered_at: t, updated_at: t,
    protocol: 'process', models: [], api_key_env: null, pricing: {}, limits: {}, ...fields,
  };
}

function provider(name: string, models: [string, ModelClass | null][], limits: ServiceLimits, fields: Partial<ModuleRow> = {}): ModuleRow {
  return service(name, { protocol: 'openai', capabilities: [], models: models.map(([n, c]) => ({ name: n, class: c })), limits, ...fields });
}

/**
 * A strict in-memory {@link QuotaStore}: one schedule row per service, leases with expiries, reservations and
 * releases recorded. `reserve` runs the decision callback on the row like the SQL repository does under its lock.
 */
class FakeQuotaStore implements QuotaStore {
  readonly rows = new Map<string, QuotaRow>();
  readonly leases = new Map<string, { service: string; expiresAtMs: number }>();
  readonly reserved: { service: string; tokens: number; lease?: { ms: number; max: number } }[] = [];
  readonly releases: { service: string; permitId: string | null; tokenTatDeltaMs: number; tokenDelta: number }[] = [];
  readonly throttles: { service: string; ms: number }[] = [];
  reserveCalls = 0;
  purges = 0;
  /** Rows `usage()` answers beyond the schedules (requests and tokens of the last minute). */
  usageExtra = new Map<string, { requests: number; tokens: number }>();
  private ids = 0;

  constructor(private readonly clock: () => number) {}

  row(service: string): QuotaRow {
    let r = this.rows.get(service);
    if (!r) this.rows.set(service, (r = { request_tat_ms: 0, token_tat_ms: 0, throttled_until_ms: 0 }));
    return r;
  }

  async reserve<D>(service: string, decide: (row: QuotaRow, nowMs: number) => { result: D; write: QuotaWrite }): Promise<ReserveOutcome<D>> {
    this.reserveCalls++;
    const nowMs = this.clock();
    const { result, write } = decide({ ...this.row(service) }, nowMs);
    if (!write.granted) return { decision: result, nowMs, permitId: null, concurrencyFull: false };
    let permitId: string | null = null;
    if (write.lease) {
      const live = [...this.leases.values()].filter((l) => l.service === service && l.expiresAtMs > nowMs).length;
      if (live >= write.lease.max) return { decision: result, nowMs, permitId: null, concurrencyFull: true };
      permitId = `permit-${++this.ids}`;
      this.leases.set(permitId, { service, expiresAtMs: nowMs + write.lease.ms });
    }
    const r = this.row(service);
    r.request_tat_ms = write.next.request_tat_ms;
    r.token_tat_ms = write.next.token_tat_ms;
    this.reserved.push({ service, tokens: write.tokens, ...(write.lease ? { lease: write.lease } : {}) });
    return { decision: result, nowMs, permitId, concurrencyFull: false };
  }

  async release(service: string, permitId: string | null, tokenTatDeltaMs: number, tokenDelta: number): Promise<void> {
    this.releases.push({ service, permitId, tokenTatDeltaMs, tokenDelta });
    if (permitId) this.leases.delete(permitId);
    this.row(service).token_tat_ms += tokenTatDeltaMs;
  }

  async throttle(service: string, ms: number): Promise<number> {
    this.throttles.push({ service, ms });
    const r = this.row(service);
    r.throttled_until_ms = Math.max(r.throttled_until_ms, this.clock() + ms);
    return r.throttled_until_ms;
  }

  async usage(services?: string[]): Promise<QuotaUsageRow[]> {
    const now = this.clock();
    return [...this.rows.entries()]
      .filter(([s]) => !services || services.includes(s))
      .map(([s, r]) => ({
        service: s,
        requests: this.usageExtra.get(s)?.requests ?? 0,
        tokens: this.usageExtra.get(s)?.tokens ?? 0,
        in_flight: [...this.leases.values()].filter((l) => l.service === s && l.expiresAtMs > now).length,
        throttled_until_ms: r.throttled_until_ms,
      }));
  }

  async purge(): Promise<number> {
    this.purges++;
    return 0;
  }
}

const CONFIG: QuotaConfig = { refreshMs: 60_000, admissionTtlMs: 500, defaultTokensPerCall: 500, concurrencyRetryMs: 250 };

function setup(rows: ModuleRow[], config: Partial<QuotaConfig> = {}) {
  let now = T0;
  const clock = () => now;
  const store = new FakeQuotaStore(clock);
  const snapshot = new RouterSnapshot('1', rows, [], [], 'round_robin');
  const quota = new QuotaService(store, () => snapshot, { ...CONFIG, ...config }, pino({ level: 'silent' }), clock);
  return { quota, store, advance: (ms: number) => (now += ms), now: () => now };
}

const ask = (service_name: string, over: Partial<QuotaAcquireRequest> = {}): QuotaAcquireRequest => ({ service_name, tokens: 0, max_wait_ms: 0, ...over });

describe('QuotaService.acquire', () => {
  it('an unlimited service is granted at once without touching the store, and only a pause can refuse it', async () => {
    const { quota, store } = setup([service('free-ai')]);
    expect(await quota.acquire(ask('free-ai', { tokens: 900 }))).toEqual({ granted: true, delay_ms: 0, permit_id: null, retry_after_ms: 0, reason: null });
    expect(store.reserveCalls).toBe(0);
    await quota.throttle({ service_name: 'free-ai', retry_after_ms: 3000 });
    expect(await quota.acquire(ask('free-ai', { max_wait_ms: 2999 }))).toEqual({ granted: false, delay_ms: 0, permit_id: null, retry_after_ms: 3000, reason: 'throttled' });
    expect(await quota.acquire(ask('free-ai', { max_wait_ms: 3000 }))).toMatchObject({ granted: true, delay_ms: 3000, permit_id: null });
    expect(store.reserveCalls).toBe(0);
  });

  it('a limited service is granted turns 60,000/rpm ms apart, with the turn on the store clock; a refusal names rpm and leaves the schedule', async () => {
    const { quota, store } = setup([service('email-ai', { limits: { rpm: 600 } })]);
    expect(await quota.acquire(ask('email-ai'))).toEqual({ granted: true, delay_ms: 0, turn_at_ms: T0, permit_id: null, retry_after_ms: 0, reason: null });
    expect(store.row('email-ai').request_tat_ms).toBe(T0 + 100);
    expect(await quota.acquire(ask('email-ai', { max_wait_ms: 99 }))).toEqual({ granted: false, delay_ms: 0, permit_id: null, retry_after_ms: 100, reason: 'rpm' });
    expect(store.row('email-ai').request_tat_ms).toBe(T0 + 100);
    expect(await quota.acquire(ask('email-ai', { max_wait_ms: 1000 }))).toMatchObject({ granted: true, delay_ms: 100, turn_at_ms: T0 + 100 });
    expect(store.row('email-ai').request_tat_ms).toBe(T0 + 200);
    expect(store.reserved).toEqual([{ service: 'email-ai', tokens: 0 }, { service: 'email-ai', tokens: 0 }]);
  });

  it('reserves tokens only for a service with a tpm limit', async () => {
    const { quota, store } = setup([service('rpm-ai', { limits: { rpm: 60 } }), service('tpm-ai', { limits: { tpm: 60_000 } })]);
    await quota.acquire(ask('rpm-ai', { tokens: 700 }));
    await quota.acquire(ask('tpm-ai', { tokens: 700 }));
    expect(store.reserved).toEqual([{ service: 'rpm-ai', tokens: 0 }, { service: 'tpm-ai', tokens: 700 }]);
    expect(store.row('tpm-ai').token_tat_ms).toBe(T0 + 700);
  });

  it('a full concurrency cap refuses with reason concurrency and the configured wait, without advancing the schedule; release or expiry frees a slot', async () => {
    const { quota, store, advance } = setup([service('c-ai', { limits: { rpm: 600, max_concurrency: 2 } })]);
    const a = await quota.acquire(ask('c-ai', { max_wait_ms: 1000, lease_ms: 5000 }));
    const b = await quota.acquire(ask('c-ai', { max_wait_ms: 1000, lease_ms: 5000 }));
    expect(a).toMatchObject({ granted: true, delay_ms: 0, permit_id: 'permit-1' });
    expect(b).toMatchObject({ granted: true, delay_ms: 100, permit_id: 'permit-2' });
    // the lease covers the call plus the wait for its turn
    expect(store.reserved.map((r) => r.lease)).toEqual([{ ms: 5000, max: 2 }, { ms: 5100, max: 2 }]);
    const full = await quota.acquire(ask('c-ai', { max_wait_ms: 1000 }));
    expect(full).toEqual({ granted: false, delay_ms: 0, permit_id: null, retry_after_ms: 250, reason: 'concurrency' });
    expect(store.row('c-ai').request_tat_ms).toBe(T0 + 200);

    await quota.release({ service_name: 'c-ai', permit_id: 'permit-1', tokens_reserved: 0, tokens_used: 0 });
    expect(store.releases).toEqual([{ service: 'c-ai', permitId: 'permit-1', tokenTatDeltaMs: 0, tokenDelta: 0 }]);
    const c = await quota.acquire(ask('c-ai', { max_wait_ms: 1000 }));
    expect(c).toMatchObject({ granted: true, delay_ms: 200, permit_id: 'permit-3' });
    // without lease_ms the lease lasts 300 s (+ the wait): permit-2 (5,100 ms) lapses, permit-3 does not
    expect(store.reserved[2].lease).toEqual({ ms: 300_200, max: 2 });
    advance(5100);
    expect(await quota.acquire(ask('c-ai'))).toMatchObject({ granted: true, delay_ms: 0, permit_id: 'permit-4' });
    expect(await quota.acquire(ask('c-ai', { max_wait_ms: 1000 }))).toMatchObject({ granted: false, reason: 'concurrency' });
  });

  it('a concurrency-only service is checked for leases and pauses', async () => {
    const { quota } = setup([service('c-ai', { limits: { max_concurrency: 1 } })]);
    expect(await quota.acquire(ask('c-ai'))).toMatchObject({ granted: true, delay_ms: 0, permit_id: 'permit-1' });
    expect(await quota.acquire(ask('c-ai'))).toMatchObject({ granted: false, reason: 'concurrency' });
    await quota.throttle({ service_name: 'c-ai', retry_after_ms: 2000 });
    expect(await quota.acquire(ask('c-ai', { max_wait_ms: 100 }))).toEqual({ granted: false, delay_ms: 0, permit_id: null, retry_after_ms: 2000, reason: 'throttled' });
  });

  it('throws SERVICE_NOT_FOUND for an unregistered service', async () => {
    const { quota } = setup([service('a')]);
    await expect(quota.acquire(ask('ghost'))).rejects.toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    await expect(quota.throttle({ service_name: 'ghost', retry_after_ms: 10 })).rejects.toMatchObject({ code: 'SERVICE_NOT_FOUND' });
  });
});

describe('QuotaService.throttle', () => {
  it('stores the pause, answers the pause in force and makes pausedUntil, acquire and usage reflect it', async () => {
    const { quota, store, advance } = setup([service('email-ai', { limits: { rpm: 600 } })]);
    expect(quota.pausedUntil('email-ai')).toBe(0);
    const reply = await quota.throttle({ service_name: 'email-ai', retry_after_ms: 4000, source: 'retry-after' });
    expect(reply).toEqual({ service_name: 'email-ai', throttled_until: new Date(T0 + 4000).toISOString() });
    expect(store.throttles).toEqual([{ service: 'email-ai', ms: 4000 }]);
    expect(quota.pausedUntil('email-ai')).toBe(T0 + 4000);
    expect(await quota.acquire(ask('email-ai', { max_wait_ms: 1000 }))).toMatchObject({ granted: false, reason: 'throttled', retry_after_ms: 4000 });
    // a shorter pause later does not shorten the one in force
    advance(1000);
    await quota.throttle({ service_name: 'email-ai', retry_after_ms: 500 });
    expect(quota.pausedUntil('email-ai')).toBe(T0 + 4000);
    expect((await quota.usageOf(['email-ai'])).get('email-ai')).toEqual({ rpm: 0, tpm: 0, in_flight: 0, throttled_until: new Date(T0 + 4000).toISOString() });
    advance(3000);
    expect((await quota.usageOf(['email-ai'])).get('email-ai')!.throttled_until).toBeNull();
  });

  it('start() loads pauses another replica stored', async () => {
    const { quota, store } = setup([service('email-ai', { limits: { rpm: 600 } })]);
    store.row('email-ai').throttled_until_ms = T0 + 9000;
    await quota.start();
    quota.stop();
    expect(quota.pausedUntil('email-ai')).toBe(T0 + 9000);
    expect(store.purges).toBe(1); // refreshMs 60 s: every refresh is a minute's
  });
});

describe('QuotaService.admission', () => {
  const rows = [
    provider('p-a', [['m1', 'small'], ['m2', 'large']], { rpm: 600 }), // 10/s
    provider('p-b', [['m1', 'small']], { rpm: 120 }), // 2/s
    provider('p-c', [['m3', 'small']], {}), // unlimited
    service('email-ai', { capabilities: ['email'], limits: { rpm: 90 } }), // 1.5/s
    service('sms-ai', { capabilities: ['sms'], limits: { rpm: 60 } }),
    service('sms-free', { capabilities: ['sms'] }),
  ];

  it('lists <cap>|*, |model= and |class= groups whose every candidate is rate limited, at the sum of their rates', () => {
    const { quota } = setup(rows);
    const reply = quota.admission();
    expect(reply.at).toBe(new Date(T0).toISOString());
    expect([...reply.groups].sort((a, b) => a.quota_group.localeCompare(b.quota_group))).toEqual([
      { quota_group: 'email|*', rate_per_s: 1.5, burst: 1, throttled_until: null },
      { quota_group: 'llm.chat|class=large', rate_per_s: 10, burst: 10, throttled_until: null },
      { quota_group: 'llm.chat|model=m1', rate_per_s: 12, burst: 12, throttled_until: null },
      { quota_group: 'llm.chat|model=m2', rate_per_s: 10, burst: 10, throttled_until: null },
    ]);
    // not listed: llm.chat|* and |class=small (p-c is unlimited), |model=m3 (p-c), sms|* (sms-free is unlimited)
  });

  it('leaves out disabled and unhealthy services; a group of only those is not listed', () => {
    const { quota } = setup([
      provider('p-a', [['m1', null]], { rpm: 600 }),
      provider('p-b', [['m1', null]], { rpm: 120 }, { status: 'unhealthy' }),
      provider('p-c', [['m1', null]], {}, { enabled: false }),
      service('email-ai', { limits: { rpm: 60 }, enabled: false }),
    ]);
    expect(quota.admission().groups).toEqual([
      { quota_group: 'llm.chat|*', rate_per_s: 10, burst: 10, throttled_until: null },
      { quota_group: 'llm.chat|model=m1', rate_per_s: 10, burst: 10, throttled_until: null },
    ]);
  });

  it('rates a tpm-limited service by its mean tokens per call: the default before usage, measured usage after a refresh', async () => {
    const { quota, store, advance } = setup([provider('p-t', [['m', null]], { tpm: 60_000 })]);
    expect(quota.admission().groups.find((g) => g.quota_group === 'llm.chat|*')).toMatchObject({ rate_per_s: 2, burst: 2 });
    store.row('p-t');
    store.usageExtra.set('p-t', { requests: 10, tokens: 3000 }); // 300 tokens a call
    await quota.start();
    quota.stop();
    advance(500);
    expect(quota.admission().groups.find((g) => g.quota_group === 'llm.chat|*')).toMatchObject({ rate_per_s: 3.333, burst: 3 });
  });

  it('a paused candidate counts 0; when all are paused the group says until when; a throttle is seen at once despite the cache', async () => {
    const { quota, advance } = setup(rows);
    const m1 = () => quota.admission().groups.find((g) => g.quota_group === 'llm.chat|model=m1');
    expect(m1()).toMatchObject({ rate_per_s: 12 });
    await quota.throttle({ service_name: 'p-b', retry_after_ms: 8000 });
    expect(m1()).toEqual({ quota_group: 'llm.chat|model=m1', rate_per_s: 10, burst: 10, throttled_until: null });
    await quota.throttle({ service_name: 'p-a', retry_after_ms: 3000 });
    expect(m1()).toEqual({ quota_group: 'llm.chat|model=m1', rate_per_s: 0, burst: 1, throttled_until: new Date(T0 + 3000).toISOString() });
    advance(3000);
    expect(m1()).toMatchObject({ rate_per_s: 10, throttled_until: null });
  });

  it('reuses one answer for admissionTtlMs', () => {
    const { quota, advance } = setup(rows);
    const first = quota.admission();
    advance(499);
    expect(quota.admission()).toBe(first);
    advance(1);
    const second = quota.admission();
    expect(second).not.toBe(first);
    expect(second.at).toBe(new Date(T0 + 500).toISOString());
  });
});

describe('QuotaService.release', () => {
  it('corrects the token schedule by used − reserved for a tpm service, and drops the lease', async () => {
    const { quota, store } = setup([service('tpm-ai', { limits: { tpm: 6000, max_concurrency: 3 } })]);
    await quota.release({ service_name: 'tpm-ai', permit_id: 'permit-9', tokens_reserved: 500, tokens_used: 200 });
    await quota.release({ service_name: 'tpm-ai', permit_id: null, tokens_reserved: 100, tokens_used: 160 });
    expect(store.releases).toEqual([
      { service: 'tpm-ai', permitId: 'permit-9', tokenTatDeltaMs: -3000, tokenDelta: -300 },
      { service: 'tpm-ai', permitId: null, tokenTatDeltaMs: 600, tokenDelta: 60 },
    ]);
  });

  it('corrects no tokens for a service without tpm: only the lease is released, and nothing without one', async () => {
    const { quota, store } = setup([service('rpm-ai', { limits: { rpm: 60, max_concurrency: 1 } }), service('free-ai')]);
    await quota.release({ service_name: 'rpm-ai', permit_id: null, tokens_reserved: 500, tokens_used: 200 });
    await quota.release({ service_name: 'free-ai', permit_id: null, tokens_reserved: 0, tokens_used: 40 });
    expect(store.releases).toEqual([]);
    await quota.release({ service_name: 'rpm-ai', permit_id: 'permit-1', tokens_reserved: 500, tokens_used: 200 });
    expect(store.releases).toEqual([{ service: 'rpm-ai', permitId: 'permit-1', tokenTatDeltaMs: 0, tokenDelta: 0 }]);
  });

  it('ignores unknown services', async () => {
    const { quota, store } = setup([service('a')]);
    await quota.release({ service_name: 'ghost', permit_id: 'p', tokens_reserved: 1, tokens_used: 2 });
    expect(store.releases).toEqual([]);
  });
});
