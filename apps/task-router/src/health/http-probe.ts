/**
 * One active health check: `GET url`, success when the answer is 2xx within
 * `timeoutMs` (the body is discarded). Network errors and timeouts are failures.
 * @param url `{endpoint}{path}`
 * @param timeoutMs request timeout, ms
 * @returns whether the service answered 2xx in time
 */
export async function probeHttp(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const res = await fetch(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
    await res.body?.cancel().catch(() => undefined);
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}
