// Proves QuotaRepository (libs/persistence) with decidePermit on real PostgreSQL, two DataSources as two router
// replicas: one shared schedule (60 concurrent asks at rpm 600 → turns ≥ 100 ms apart), leases, pauses, usage, release.
// (Here rather than in libs/persistence: a lib may not import app code such as gcra.ts.)
import { DataSource } from 'typeorm';
import type { ServiceLimits } from '@apiary/contracts';
import { createDataSource, migrateDatabase, QuotaRepository, QuotaRow, QuotaWrite } from '@apiary/persistence';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { decidePermit, PermitDecision } from './gcra';

/** The decision callback QuotaService passes: decidePermit, writing the advanced schedule when granted. */
function gcra(limits: ServiceLimits, tokens: number, maxWaitMs: number, lease?: { ms: number; max: number }) {
  return (row: QuotaRow, nowMs: number): { result: { d: PermitDecision; turn: number }; write: QuotaWrite } => {
    const d = decidePermit(row, limits, { tokens, maxWaitMs }, nowMs);
    // the exact turn the schedule reserved (before rounding the delay to whole ms)
    const turn = Math.max(nowMs, limits.rpm ? row.request_tat_ms : nowMs, row.throttled_until_ms);
    if (!d.granted) return { result: { d, turn }, write: { granted: false } };
    return { result: { d, turn }, write: { granted: true, next: d.next, tokens, ...(lease ? { lease } : {}) } };
  };
}

/** Grants every call without a rate limit (only the concurrency lease matters). */
const open = (lease: { ms: number; max: number }, tokens = 0) => (row: QuotaRow) => ({ result: row, write: { granted: true, next: row, tokens, lease } as QuotaWrite });

describe('QuotaRepository with decidePermit (PostgreSQL, two replicas)', () => {
  let db: TestDatabase;
  let dsA: DataSource;
  let dsB: DataSource;
  let a: QuotaRepository;
  let b: QuotaRepository;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    dsA = createDataSource(db.url, 6);
    dsB = createDataSource(db.url, 6);
    await Promise.all([dsA.initialize(), dsB.initialize()]);
    a = new QuotaRepository(dsA);
    b = new QuotaRepository(dsB);
  });
  afterAll(async () => {
    await dsA?.destroy();
    await dsB?.destroy();
    await db?.drop();
  });

  it('60 concurrent asks at rpm 600 from two replicas get one schedule: turns 100 ms apart, ≤ 10 in any second', async () => {
    const limits = { rpm: 600 };
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).reserve('burst-ai', gcra(limits, 0, 60_000))));
    expect(outcomes.every((o) => o.decision.d.granted)).toBe(true);
    const grants = outcomes
      .map((o) => ({ at: o.nowMs + (o.decision.d.granted ? o.decision.d.delayMs : NaN), turn: o.decision.turn }))
      .sort((x, y) => x.at - y.at);
    for (let i = 1; i < grants.length; i++) {
      // the reserved turns are exactly one emission interval apart at least (double precision of epoch ms)
      expect(grants[i].turn - grants[i - 1].turn).toBeGreaterThanOrEqual(100 - 1e-3);
      // now + delay is the turn rounded up to the next whole ms of wait: never before the turn, < 1 ms after it
      expect(grants[i].at).toBeGreaterThanOrEqual(grants[i].turn - 1e-3);
      expect(grants[i].at - grants[i].turn).toBeLessThan(1);
      expect(grants[i].at - grants[i - 1].at).toBeGreaterThan(99);
    }
    // the 60 turns span 5.9 s: a burst is spread, not sent at once
    expect(grants[59].turn - grants[0].turn).toBeGreaterThanOrEqual(5900 - 1e-3);
    for (let i = 0; i + 10 < grants.length; i++) expect(grants[i + 10].turn - grants[i].turn).toBeGreaterThanOrEqual(1000 - 1e-3);
    const [usage] = await a.usage(['burst-ai']);
    expect(usage).toMatchObject({ service: 'burst-ai', requests: 60, tokens: 0, in_flight: 0 });
  });

  it('a refused ask writes nothing: the schedule and usage stay as they were', async () => {
    const limits = { rpm: 6 }; // one call per 10 s
    const first = await a.reserve('slow-ai', gcra(limits, 0, 0));
    expect(first.decision.d.granted).toBe(true);
    const second = await b.reserve('slow-ai', gcra(limits, 0, 1000));
    expect(second.decision.d).toMatchObject({ granted: false, reason: 'rpm' });
    const d = second.decision.d as Extract<PermitDecision, { granted: false }>;
    expect(d.retryAfterMs).toBeGreaterThan(9000);
    expect(d.retryAfterMs).toBeLessThanOrEqual(10_000);
    const [row] = await db.query<{ request_tat_ms: number }>(`SELECT request_tat_ms FROM router_quota WHERE service = 'slow-ai'`);
    expect(Number(row.request_tat_ms)).toBeCloseTo(first.nowMs + 10_000, 3);
    expect((await a.usage(['slow-ai']))[0].requests).toBe(1);
  });

  it('leases honour max across replicas and lapse after their time', async () => {
    const lease = { ms: 400, max: 2 };
    const [x, y] = await Promise.all([a.reserve('conc-ai', open(lease)), b.reserve('conc-ai', open(lease))]);
    expect([x.permitId, y.permitId].every((p) => typeof p === 'string' && p.length === 36)).toBe(true);
    expect(x.permitId).not.toBe(y.permitId);
    const full = await a.reserve('conc-ai', open(lease));
    expect(full).toMatchObject({ permitId: null, concurrencyFull: true });
    expect((await b.usage(['conc-ai']))[0]).toMatchObject({ in_flight: 2, requests: 2 });
    await new Promise((r) => setTimeout(r, 450));
    expect((await b.usage(['conc-ai']))[0].in_flight).toBe(0);
    const again = await b.reserve('conc-ai', open(lease));
    expect(again).toMatchObject({ concurrencyFull: false });
    expect(again.permitId).not.toBeNull();
  });

  it('a full concurrency cap does not advance the rate schedule', async () => {
    const limits = { rpm: 600 };
    const lease = { ms: 60_000, max: 1 };
    const first = await a.reserve('both-ai', gcra(limits, 0, 5000, lease));
    expect(first.permitId).not.toBeNull();
    const full = await b.reserve('both-ai', gcra(limits, 0, 5000, lease));
    expect(full.concurrencyFull).toBe(true);
    const [row] = await db.query<{ request_tat_ms: number }>(`SELECT request_tat_ms FROM router_quota WHERE service = 'both-ai'`);
    const firstTurn = first.decision.turn;
    expect(Number(row.request_tat_ms)).toBeCloseTo(firstTurn + 100, 3);
    await a.release('both-ai', first.permitId, 0, 0);
    const next = await b.reserve('both-ai', gcra(limits, 0, 5000, lease));
    expect(next.permitId).not.toBeNull();
    expect(next.decision.turn).toBeCloseTo(Math.max(next.nowMs, firstTurn + 100), 3);
  });

  it('throttle pauses the service until now + ms and keeps the later pause', async () => {
    const t0 = await a.nowMs();
    const until = await a.throttle('paused-ai', 5000);
    expect(until).toBeGreaterThanOrEqual(t0 + 5000);
    expect(until).toBeLessThan(t0 + 5000 + 2000);
    expect(await b.throttle('paused-ai', 1000)).toBe(until);
    const later = await b.throttle('paused-ai', 20_000);
    expect(later).toBeGreaterThanOrEqual(until + 14_000);
    // the other replica's reservation sees the pause and is refused for it
    const r = await a.reserve('paused-ai', gcra({ rpm: 600 }, 0, 1000));
    expect(r.decision.d).toMatchObject({ granted: false, reason: 'throttled' });
    expect((await b.usage(['paused-ai']))[0].throttled_until_ms).toBe(later);
  });

  it('usage sums requests and tokens of the last 60 s only, per service', async () => {
    await a.reserve('usage-ai', open({ ms: 60_000, max: 10 }, 50));
    const second = Math.floor((await a.nowMs()) / 1000);
    await db.query(
      `INSERT INTO router_quota_usage (service, second, requests, tokens) VALUES ('usage-ai', $1, 5, 100), ('usage-ai', $2, 7, 999), ('other-ai', $1, 3, 3)`,
      [second - 30, second - 90],
    );
    const rows = await b.usage(['usage-ai']);
    expect(rows).toEqual([{ service: 'usage-ai', requests: 6, tokens: 150, in_flight: 1, throttled_until_ms: 0 }]);
    // a service without a stored schedule is not listed; all services are listed without a filter
    expect((await b.usage()).map((r) => r.service)).not.toContain('other-ai');
    expect((await b.usage()).map((r) => r.service)).toEqual(expect.arrayContaining(['usage-ai', 'burst-ai', 'conc-ai']));
  });

  it('release drops the lease and corrects the token schedule and this second\'s usage', async () => {
    const limits = { tpm: 6000 }; // 10 ms a token
    const out = await a.reserve('tok-ai', gcra(limits, 500, 0, { ms: 60_000, max: 5 }));
    expect(out.decision.d.granted).toBe(true);
    const tatAfter = (out.decision.d as Extract<PermitDecision, { granted: true }>).next.token_tat_ms;
    expect(tatAfter).toBeCloseTo(out.nowMs + 5000, 3);
    expect((await a.usage(['tok-ai']))[0]).toMatchObject({ requests: 1, tokens: 500, in_flight: 1 });
    // the call used 200 of the 500 tokens reserved: 300 × 10 ms given back
    await b.release('tok-ai', out.permitId, -3000, -300);
    const [row] = await db.query<{ token_tat_ms: number }>(`SELECT token_tat_ms FROM router_quota WHERE service = 'tok-ai'`);
    expect(Number(row.token_tat_ms)).toBeCloseTo(tatAfter - 3000, 3);
    expect((await a.usage(['tok-ai']))[0]).toMatchObject({ requests: 1, tokens: 200, in_flight: 0 });
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM router_quota_leases WHERE permit_id = $1`, [out.permitId]);
    expect(Number(n)).toBe(0);
  });

  it('purge deletes usage older than 10 minutes and leases expired for a minute', async () => {
    const second = Math.floor((await a.nowMs()) / 1000);
    const now = await a.nowMs();
    await db.query(`INSERT INTO router_quota_usage (service, second, requests, tokens) VALUES ('purge-ai', $1, 1, 1), ('purge-ai', $2, 1, 1)`, [second - 700, second - 10]);
    await db.query(
      `INSERT INTO router_quota_leases (permit_id, service, expires_at_ms) VALUES (gen_random_uuid(), 'purge-ai', $1), (gen_random_uuid(), 'purge-ai', $2)`,
      [now - 120_000, now - 10_000],
    );
    expect(await a.purge()).toBeGreaterThanOrEqual(2);
    const usage = await db.query<{ second: string }>(`SELECT second FROM router_quota_usage WHERE service = 'purge-ai'`);
    expect(usage.map((u) => Number(u.second))).toEqual([second - 10]);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM router_quota_leases WHERE service = 'purge-ai'`);
    expect(Number(n)).toBe(1);
  });
});
