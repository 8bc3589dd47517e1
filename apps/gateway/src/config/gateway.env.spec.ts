import { InvalidEnvironmentError, loadEnv } from '@apiary/service-kit';
import { GatewayEnv, redactEnvProblems } from './gateway.env';

const KEY_A = 'aaaaaaaaaaaaaaaa1';
const KEY_B = 'bbbbbbbbbbbbbbbb2';
const base = { NATS_URL: 'nats://127.0.0.1:4222' };

function problemsOf(source: NodeJS.ProcessEnv): string[] {
  try {
    loadEnv(GatewayEnv, source);
  } catch (error) {
    if (error instanceof InvalidEnvironmentError) return error.problems;
    throw error;
  }
  return [];
}

describe('GatewayEnv', () => {
  it('applies the defaults and splits the keys', () => {
    const env = loadEnv(GatewayEnv, { ...base, APIARY_API_KEYS: `${KEY_A}, ${KEY_B}` });
    expect(env.APIARY_API_KEYS).toEqual([KEY_A, KEY_B]);
    expect(env.APIARY_HTTP_PORT).toBe(8080);
    expect(env.APIARY_HTTP_HOST).toBe('0.0.0.0');
    expect(env.APIARY_RPC_TIMEOUT_MS).toBe(10_000);
    expect(env.APIARY_BATCH_RPC_TIMEOUT_MS).toBe(60_000);
    expect(env.APIARY_BODY_LIMIT_BYTES).toBe(1_048_576);
  });

  it('converts numeric variables', () => {
    const env = loadEnv(GatewayEnv, { ...base, APIARY_API_KEYS: KEY_A, APIARY_HTTP_PORT: '9000', APIARY_RPC_TIMEOUT_MS: '500' });
    expect(env.APIARY_HTTP_PORT).toBe(9000);
    expect(env.APIARY_RPC_TIMEOUT_MS).toBe(500);
  });

  it('requires APIARY_API_KEYS', () => {
    expect(problemsOf(base).join('\n')).toMatch(/^APIARY_API_KEYS: APIARY_API_KEYS is required/m);
  });

  it('refuses a key shorter than 16 characters', () => {
    expect(problemsOf({ ...base, APIARY_API_KEYS: `${KEY_A},short` }).join('\n')).toMatch(/at least 16 characters/);
  });

  it('refuses a bad port', () => {
    expect(problemsOf({ ...base, APIARY_API_KEYS: KEY_A, APIARY_HTTP_PORT: 'http' }).join('\n')).toMatch(/^APIARY_HTTP_PORT:/m);
  });
});

describe('redactEnvProblems', () => {
  it('hides the value of APIARY_API_KEYS and keeps the others', () => {
    const problems = problemsOf({ ...base, APIARY_API_KEYS: 'tooshort-secret', APIARY_HTTP_PORT: '-1' });
    const redacted = redactEnvProblems(problems).join('\n');
    expect(problems.join('\n')).not.toContain('tooshort-secret'); // loadEnv already hides secret-named variables
    expect(redacted).not.toContain('tooshort-secret');
    expect(redacted).toMatch(/APIARY_HTTP_PORT: .*\(got -1\)/);
  });
});
