import pino from 'pino';
import { PriorityConfigService } from './priority-config.service';
import { PriorityPolicy } from './priority.service';

// A strict in-memory fake of the multiplier table (the SQL is covered by e2e).
function fakeRepo(initial: Record<string, number> = {}) {
  const rows = { ...initial };
  return {
    rows,
    all: jest.fn(async () => ({ ...rows })),
    apply: jest.fn(async (changes: Record<string, number | null>) => {
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete rows[k];
        else rows[k] = v;
      }
    }),
  };
}

describe('PriorityConfigService', () => {
  const logger = pino({ level: 'silent' });

  it('applies stored multipliers over the defaults, and removal restores the default', async () => {
    const policy = new PriorityPolicy();
    const repo = fakeRepo({ email_campaign: 3 });
    const config = new PriorityConfigService(policy, repo, 60_000, logger);
    await config.start();
    config.stop();
    expect(policy.score('normal', 'email_campaign')).toBe(6);
    const view = await config.set({ email_campaign: null, noop: 2.5 });
    expect(view.type_multipliers).toMatchObject({ email_campaign: 1.0, noop: 2.5, fraud_detection: 1.5 });
    expect(policy.score('high', 'noop')).toBe(7.5);
  });

  it('refuses a bad value naming the type, and changes nothing', async () => {
    const policy = new PriorityPolicy();
    const repo = fakeRepo();
    const config = new PriorityConfigService(policy, repo, 60_000, logger);
    await expect(config.set({ noop: 2, finance: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringContaining('type_multipliers.finance') });
    await expect(config.set({ 'bad type': 2 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(repo.apply).not.toHaveBeenCalled();
    expect(policy.typeMultiplier('noop')).toBe(1);
  });
});
