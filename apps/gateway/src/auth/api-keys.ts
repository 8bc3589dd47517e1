import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Fairness key of an API key: the first 16 hex characters of its SHA-256. Short,
 * stable across restarts and replicas, and reveals nothing of the key. The brain
 * uses it so one tenant's tasks cannot starve the others (DESIGN.md "Priority").
 * @param apiKey the raw API key
 * @returns 16 lowercase hex characters
 */
export function fairnessKeyOf(apiKey: string): string {
  return sha256(apiKey).toString('hex').slice(0, 16);
}

/** Who a request authenticated as. */
export interface ApiKeyIdentity {
  /** {@link fairnessKeyOf} the presented key; also safe to log. */
  fairnessKey: string;
}

/**
 * The set of accepted API keys (`APIARY_API_KEYS`). Comparison is constant-time:
 * the SHA-256 of the presented key is compared with every stored digest using
 * `timingSafeEqual`, without stopping at the first match, so neither the key's
 * length nor which key matched leaks through timing.
 */
export class ApiKeyRegistry {
  private readonly entries: ReadonlyArray<{ digest: Buffer; identity: ApiKeyIdentity }>;

  /** @param keys accepted keys (non-empty strings) */
  constructor(keys: readonly string[]) {
    this.entries = [...new Set(keys)].map((key) => ({ digest: sha256(key), identity: { fairnessKey: fairnessKeyOf(key) } }));
  }

  /**
   * @param presented the key from the request (may be empty)
   * @returns the identity of the matching key, or `undefined` when none matches
   */
  authenticate(presented: string): ApiKeyIdentity | undefined {
    const digest = sha256(presented);
    let match: ApiKeyIdentity | undefined;
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, digest) && presented.length > 0) match = entry.identity;
    }
    return match;
  }
}

/**
 * Extracts the API key of a request: `Authorization: Bearer <key>` (scheme is
 * case-insensitive) or else `X-API-Key: <key>`.
 * @param headers lower-cased request headers, as Node gives them
 * @returns the key, or `undefined` when the request carries none
 */
export function apiKeyFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const authorization = single(headers['authorization']);
  const bearer = authorization ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization) : null;
  if (bearer) return bearer[1];
  const apiKey = single(headers['x-api-key'])?.trim();
  return apiKey ? apiKey : undefined;
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
