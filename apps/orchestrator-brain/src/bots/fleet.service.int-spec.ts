import { DataSource } from 'typeorm';
import { ApiaryError } from '@apiary/contracts';
import { BotRepository, createDataSource, migrateDatabase } from '@apiary/persistence';
import { createTestDatabase, TestDatabase } from '@apiary/testing';
import { FleetService } from './fleet.service';

// Real PostgreSQL (a database of its own): capacity and counters under concurrency.
describe('FleetService (PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let fleet: FleetService;

  beforeAll(async () => {
    db = await createTestDatabase(migrateDatabase);
    ds = createDataSource(db.url, 8);
    await ds.initialize();
    fleet = new FleetService(new BotRepository(ds), { maxBots: 1000 });
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('lets exactly one of two concurrent swarms that together exceed capacity through', async () => {
    const results = await Promise.allSettled([
      fleet.createSwarm({ name: 'a', count: 600, tier: 'standard', capabilities: ['noop'] }),
      fleet.createSwarm({ name: 'b', count: 600, tier: 'L20', capabilities: ['noop'] }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(ok).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(refused[0].reason).toBeInstanceOf(ApiaryError);
    expect(refused[0].reason.code).toBe('BOT_CAPACITY_EXCEEDED');
    const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM bots');
    expect(Number(n)).toBe(600); // the refused swarm created nothing
  });

  it('keeps fleet counters equal to the rows under concurrent creates and retirements', async () => {
    const bots = await Promise.all(
      Array.from({ length: 40 }, (_, i) => fleet.createBot({ name: `b${i}`, tier: i % 2 ? 'advanced' : 'standard', capabilities: ['noop'] })),
    );
    await Promise.all(bots.slice(0, 15).map((b) => fleet.retireBot(b.id)));
    const stats = await fleet.stats();
    const rows = await db.query<{ tier: string; n: string }>(`SELECT tier, count(*) AS n FROM bots WHERE status = 'active' GROUP BY tier`);
    const active = rows.reduce((s, r) => s + Number(r.n), 0);
    expect(stats.active_bots).toBe(active);
    for (const r of rows) expect(stats.tier_distribution[r.tier as 'standard']).toBe(Number(r.n));
    expect(stats.total_created).toBe(640);
    expect(stats.capacity_remaining).toBe(1000 - active);
  });

  it('shrinks a swarm from its newest bots and refuses growth past capacity', async () => {
    const swarm = await fleet.createSwarm({ name: 'grow', count: 10, tier: 'standard', capabilities: ['noop'] });
    const shrunk = await fleet.resizeSwarm(swarm.id, 4);
    expect(shrunk.active_bots).toBe(4);
    const kept = await db.query<{ swarm_index: number }>(
      `SELECT swarm_index FROM bots WHERE swarm_id = $1 AND status = 'active' ORDER BY swarm_index`,
      [swarm.id],
    );
    expect(kept.map((r) => r.swarm_index)).toEqual([0, 1, 2, 3]);
    const remaining = (await fleet.stats()).capacity_remaining;
    await expect(fleet.resizeSwarm(swarm.id, 4 + remaining + 1)).rejects.toMatchObject({ code: 'BOT_CAPACITY_EXCEEDED' });
  });
});
