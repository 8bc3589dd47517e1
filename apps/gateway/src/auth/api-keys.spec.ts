import { createHash } from 'node:crypto';
import { apiKeyFromHeaders, ApiKeyRegistry, fairnessKeyOf } from './api-keys';

const KEY_A = 'key-a-0123456789abcdef';
const KEY_B = 'key-b-0123456789abcdef';

describe('fairnessKeyOf', () => {
  it('is the first 16 hex chars of the key sha256', () => {
    expect(fairnessKeyOf(KEY_A)).toBe(createHash('sha256').update(KEY_A).digest('hex').slice(0, 16));
    expect(fairnessKeyOf(KEY_A)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('is stable and differs between keys', () => {
    expect(fairnessKeyOf(KEY_A)).toBe(fairnessKeyOf(KEY_A));
    expect(fairnessKeyOf(KEY_A)).not.toBe(fairnessKeyOf(KEY_B));
  });

  it('does not contain the key', () => {
    expect(KEY_A).not.toContain(fairnessKeyOf(KEY_A));
  });
});

describe('ApiKeyRegistry', () => {
  const registry = new ApiKeyRegistry([KEY_A, KEY_B]);

  it('authenticates each configured key with its fairness key', () => {
    expect(registry.authenticate(KEY_A)).toEqual({ fairnessKey: fairnessKeyOf(KEY_A) });
    expect(registry.authenticate(KEY_B)).toEqual({ fairnessKey: fairnessKeyOf(KEY_B) });
  });

  it('refuses unknown, empty, prefix and extended keys', () => {
    expect(registry.authenticate('key-c-0123456789abcdef')).toBeUndefined();
    expect(registry.authenticate('')).toBeUndefined();
    expect(registry.authenticate(KEY_A.slice(0, -1))).toBeUndefined();
    expect(registry.authenticate(`${KEY_A}x`)).toBeUndefined();
  });
});

describe('apiKeyFromHeaders', () => {
  it('reads Authorization: Bearer (any case of the scheme)', () => {
    expect(apiKeyFromHeaders({ authorization: `Bearer ${KEY_A}` })).toBe(KEY_A);
    expect(apiKeyFromHeaders({ authorization: `bearer ${KEY_A}` })).toBe(KEY_A);
  });

  it('reads X-API-Key', () => {
    expect(apiKeyFromHeaders({ 'x-api-key': KEY_B })).toBe(KEY_B);
  });

  it('prefers a Bearer token and falls back to X-API-Key for other schemes', () => {
    expect(apiKeyFromHeaders({ authorization: `Bearer ${KEY_A}`, 'x-api-key': KEY_B })).toBe(KEY_A);
    expect(apiKeyFromHeaders({ authorization: 'Basic dXNlcjpwYXNz', 'x-api-key': KEY_B })).toBe(KEY_B);
  });

  it('returns undefined without a key', () => {
    expect(apiKeyFromHeaders({})).toBeUndefined();
    expect(apiKeyFromHeaders({ authorization: 'Bearer' })).toBeUndefined();
    expect(apiKeyFromHeaders({ 'x-api-key': '  ' })).toBeUndefined();
  });
});
