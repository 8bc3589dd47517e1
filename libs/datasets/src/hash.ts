import * as crypto from 'node:crypto';

/** One-shot SHA-1 (`crypto.hash` on Node ≥ 20.12, `createHash` before). */
const sha1: (text: string) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (text) => (crypto as unknown as { hash(alg: string, data: string, enc: 'buffer'): Buffer }).hash('sha1', text, 'buffer')
    : (text) => crypto.createHash('sha1').update(text).digest();

/**
 * @param text any text
 * @returns its SHA-1 digest (20 bytes); the same on every replica and run
 */
export function digest(text: string): Buffer {
  return sha1(text);
}

/**
 * @param text any text
 * @returns a 96-bit fingerprint (16 base64 characters): two different texts share
 *   one with probability 2^-96 (`clean`'s duplicate detection, docs/datasets.md "Operations")
 */
export function fingerprint(text: string): string {
  return sha1(text).subarray(0, 12).toString('base64');
}
