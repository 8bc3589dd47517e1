import { BaseServiceEnv, DatabaseServiceEnv } from './base-env';
import { InvalidEnvironmentError, loadEnv } from './env';

describe('loadEnv', () => {
  it('applies defaults and converts numbers', () => {
    const env = loadEnv(BaseServiceEnv, { NATS_URL: 'nats://127.0.0.1:4222', APIARY_PROBE_PORT: '8081' });
    expect(env.APIARY_PROBE_PORT).toBe(8081);
    expect(env.APIARY_SHUTDOWN_GRACE_MS).toBe(10_000);
  });

  it('names every bad variable', () => {
    try {
      loadEnv(DatabaseServiceEnv, { NATS_URL: 'http://x', APIARY_PROBE_PORT: 'abc' });
      throw new Error('expected a failure');
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidEnvironmentError);
      const text = (error as Error).message;
      expect(text).toContain('NATS_URL');
      expect(text).toContain('DATABASE_URL');
      expect(text).toContain('APIARY_PROBE_PORT');
    }
  });
});
