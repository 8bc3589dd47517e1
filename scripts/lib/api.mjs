// A small client of the gateway's task API, shared by the demo and the benches.
import { LauncherError, sleep } from './util.mjs';

/** Task statuses after which a task never changes again. */
export const FINISHED_STATUSES = new Set(['succeeded', 'failed', 'dead', 'cancelled', 'timed_out']);

/** Error for a non-2xx answer of the gateway. */
export class ApiError extends LauncherError {
  /**
   * @param {string} method
   * @param {string} path
   * @param {number} status HTTP status
   * @param {string} body response text (cut to 2,000 chars)
   */
  constructor(method, path, status, body) {
    super(`${method} ${path} answered HTTP ${status}: ${body.slice(0, 2000)}`);
    this.name = 'ApiError';
    this.status = status;
    this.body = body;
  }
}

/**
 * Gateway client: JSON over HTTP with `Authorization: Bearer <key>`.
 * Retries: 429 (honouring Retry-After) for every request until the deadline of the
 * call; for GET also 502/503/504 and connection errors, 6 times with backoff. A POST is
 * not retried after it may have reached the gateway (no duplicate tasks).
 */
export class ApiClient {
  /**
   * @param {object} options
   * @param {string} options.baseUrl e.g. `http://127.0.0.1:8080`
   * @param {string} options.apiKey bearer token
   * @param {AbortSignal} [options.signal] aborts every request in flight
   */
  constructor({ baseUrl, apiKey, signal }) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.signal = signal;
    /** Number of 429 answers seen (rate limiting slows the run down). */
    this.throttled = 0;
  }

  /**
   * Send one request and parse the JSON answer.
   * @param {'GET' | 'POST'} method
   * @param {string} path e.g. `/tasks/batch`
   * @param {unknown} [body] JSON body, or a pre-serialised string
   * @param {number} [timeoutMs] per attempt, default 30,000 ms
   * @returns {Promise<any>} parsed body
   * @throws {ApiError} for an answer that is not 2xx (after retries)
   * @throws {LauncherError} for a connection error or timeout (after retries)
   */
  async request(method, path, body, timeoutMs = 30_000) {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    let attempt = 0;
    for (;;) {
      this.signal?.throwIfAborted();
      attempt++;
      let res;
      try {
        res = await fetch(this.baseUrl + path, {
          method,
          headers: {
            authorization: `Bearer ${this.apiKey}`,
            accept: 'application/json',
            ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
          },
          body: payload,
          signal: this.signal
            ? AbortSignal.any([this.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        this.signal?.throwIfAborted();
        const e = /** @type {Error & { cause?: { code?: string } }} */ (err);
        const code = e.cause?.code ?? e.name;
        // ECONNREFUSED: nothing was sent, safe to retry even a POST
        const retryable = method === 'GET' || code === 'ECONNREFUSED';
        if (retryable && attempt <= 6) {
          await sleep(100 * 2 ** (attempt - 1), this.signal);
          continue;
        }
        throw new LauncherError(`${method} ${path} failed: ${code === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : code ?? e.message}`);
      }
      const text = await res.text();
      if (res.ok) {
        try {
          return text ? JSON.parse(text) : null;
        } catch {
          throw new LauncherError(`${method} ${path} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 300)}`);
        }
      }
      if (res.status === 429) {
        this.throttled++;
        const after = Number(res.headers.get('retry-after'));
        await sleep(Number.isFinite(after) && after > 0 ? Math.min(after, 30) * 1000 : 500, this.signal);
        continue;
      }
      if (method === 'GET' && [502, 503, 504].includes(res.status) && attempt <= 6) {
        await sleep(100 * 2 ** (attempt - 1), this.signal);
        continue;
      }
      throw new ApiError(method, path, res.status, text);
    }
  }

  /**
   * `POST /tasks/batch` with `{ tasks }`.
   * @param {object[] | string} tasks task inputs, or the ready JSON body `{"tasks":[...]}`
   * @returns {Promise<{ batch_id: string, task_ids: string[] }>} ids in submit order
   * @throws {ApiError | LauncherError} on refusal, or when the answer lacks task ids
   *   for every task
   */
  async submitBatch(tasks) {
    const body = typeof tasks === 'string' ? tasks : JSON.stringify({ tasks });
    const reply = await this.request('POST', '/tasks/batch', body, 120_000);
    if (!reply || !Array.isArray(reply.task_ids)) {
      throw new LauncherError(`POST /tasks/batch answered without task_ids: ${JSON.stringify(reply).slice(0, 300)}`);
    }
    return reply;
  }

  /**
   * `POST /tasks` with one task.
   * @param {object} task task input `{ type, data, priority? }`
   * @returns {Promise<string>} the task id (from `task_id`, `task.task_id` or `id`)
   * @throws {ApiError | LauncherError} on refusal or when no id is found in the answer
   */
  async submitTask(task) {
    const reply = await this.request('POST', '/tasks', task);
    const id = reply?.task_id ?? reply?.task?.task_id ?? reply?.id;
    if (typeof id !== 'string') {
      throw new LauncherError(`POST /tasks answered without a task id: ${JSON.stringify(reply).slice(0, 300)}`);
    }
    return id;
  }

  /**
   * `GET /tasks/{id}`.
   * @param {string} id task id
   * @returns {Promise<any | null>} the task view, or null for 404
   * @throws {ApiError | LauncherError} for other failures
   */
  async getTask(id) {
    try {
      return await this.request('GET', `/tasks/${encodeURIComponent(id)}`, undefined, 15_000);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }
}

/**
 * Run `fn` over `items` with at most `limit` calls in flight.
 * @template T, R
 * @param {T[]} items
 * @param {number} limit >= 1
 * @param {(item: T, index: number) => Promise<R>} fn
 * @returns {Promise<R[]>} results in item order
 * @throws {unknown} the first error of `fn` (the others still finish first)
 */
export async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  /** @type {{ err: unknown } | null} */
  let firstError = null;
  const worker = async () => {
    while (next < items.length && !firstError) {
      const i = next++;
      try {
        results[i] = await fn(items[i], i);
      } catch (err) {
        firstError ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (firstError) throw /** @type {{ err: unknown }} */ (firstError).err;
  return results;
}

/**
 * Wait until every task is finished by polling `GET /tasks/{id}`.
 *
 * Sweep: rounds over the unfinished tasks in submit order, `concurrency` requests in
 * flight; a round ends early once `roundCap` unfinished tasks were seen (later ones
 * have likely not run yet), then sleeps `pauseMs`.
 *
 * With `sampleFirst`, the sweep starts only once a small sample of the unfinished
 * tasks (always including the last submitted one) is finished: `sampleSize` GETs
 * every 250 ms instead of hundreds per second, so polling does not compete with the
 * system under test for CPU while it works (the bench measures with `finished_at`).
 * @param {ApiClient} client
 * @param {string[]} ids task ids
 * @param {object} options
 * @param {number} options.deadline epoch ms after which it gives up
 * @param {number} [options.concurrency] requests in flight, default 32
 * @param {number} [options.pauseMs] sleep between rounds, default 100 ms
 * @param {number} [options.roundCap] default 256
 * @param {boolean} [options.sampleFirst] default false
 * @param {number} [options.sampleSize] default 8
 * @param {AbortSignal} [options.signal]
 * @param {(done: number, total: number, sampling: boolean) => void} [options.onProgress]
 *   at most once a second; `sampling` while only the sample is polled
 * @returns {Promise<Map<string, any>>} task id → finished task view
 * @throws {LauncherError} at the deadline (with a count per last-seen status), or when
 *   a task stays unknown (404) for 10 s
 */
export async function waitForTasks(
  client,
  ids,
  { deadline, concurrency = 32, pauseMs = 100, roundCap = 256, sampleFirst = false, sampleSize = 8, signal, onProgress },
) {
  /** @type {Map<string, any>} */
  const done = new Map();
  /** @type {Map<string, string>} */
  const lastStatus = new Map();
  /** @type {Map<string, number>} */
  const missingSince = new Map();
  let pending = ids.slice();
  let lastReport = 0;
  let lastReported = -1;
  let sampling = sampleFirst;
  const report = () => {
    lastReport = Date.now();
    lastReported = done.size;
    onProgress?.(done.size, ids.length, sampling);
  };
  const checkDeadline = () => {
    if (Date.now() <= deadline) return;
    const counts = {};
    for (const id of pending) {
      const st = lastStatus.get(id) ?? 'not polled yet';
      counts[st] = (counts[st] ?? 0) + 1;
    }
    throw new LauncherError(
      `timed out: ${pending.length} of ${ids.length} tasks not finished (last seen: ${Object.entries(counts)
        .map(([st, n]) => `${st} ${n}`)
        .join(', ')})`,
    );
  };
  /**
   * Poll one task; record it.
   * @param {string} id
   * @returns {Promise<boolean>} whether it is finished
   */
  const poll = async (id) => {
    const view = await client.getTask(id);
    if (view === null) {
      const since = missingSince.get(id) ?? Date.now();
      missingSince.set(id, since);
      if (Date.now() - since > 10_000) {
        throw new LauncherError(`task ${id} was accepted but GET /tasks/${id} still answers 404 after 10 s`);
      }
      lastStatus.set(id, 'not found');
      return false;
    }
    if (FINISHED_STATUSES.has(view.status)) {
      done.set(id, view);
      return true;
    }
    lastStatus.set(id, String(view.status));
    return false;
  };

  if (sampleFirst) {
    for (;;) {
      signal?.throwIfAborted();
      checkDeadline();
      const n = pending.length;
      if (n === 0) break;
      const picks = new Set([n - 1]);
      for (let k = 0; k < sampleSize - 1; k++) picks.add(Math.floor((k * n) / (sampleSize - 1)));
      const sample = [...picks].filter((i) => i < n).map((i) => pending[i]);
      const finished = await Promise.all(sample.map(poll));
      const gone = new Set(sample.filter((_, i) => finished[i]));
      if (gone.size) pending = pending.filter((id) => !gone.has(id));
      if (Date.now() - lastReport >= 1000) report();
      if (finished.every(Boolean)) break;
      await sleep(250, signal);
    }
    sampling = false;
  }

  while (pending.length) {
    signal?.throwIfAborted();
    checkDeadline();
    let unfinished = 0;
    let cursor = 0;
    const stillPending = new Set();
    const worker = async () => {
      while (cursor < pending.length && unfinished < roundCap) {
        const id = pending[cursor++];
        if (!(await poll(id))) {
          stillPending.add(id);
          unfinished++;
        }
        if (Date.now() - lastReport >= 1000) report();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    // unvisited ones stay pending, after the visited-unfinished ones
    pending = [...pending.slice(0, cursor).filter((id) => stillPending.has(id)), ...pending.slice(cursor)];
    if (pending.length && unfinished > 0) await sleep(pauseMs, signal);
  }
  if (lastReported !== done.size) report();
  return done;
}

/**
 * Pack tasks into `POST /tasks/batch` bodies that stay under `maxBytes` (UTF-8 JSON)
 * and `maxTasks`. A task too big on its own gets `data.text` cut until it fits.
 * @param {{ type: string, data: { text?: string } & Record<string, unknown>, priority?: string }[]} tasks
 * @param {object} [options]
 * @param {number} [options.maxBytes] default 900,000 bytes
 * @param {number} [options.maxTasks] default 10,000 tasks
 * @returns {{ bodies: { json: string, count: number, first: number }[], truncated: number[] }}
 *   bodies in order (`first` = index of its first task); `truncated` = indexes of the
 *   tasks whose text was cut
 * @throws {LauncherError} when a task without text is too big
 */
export function packBatches(tasks, { maxBytes = 900_000, maxTasks = 10_000 } = {}) {
  const head = '{"tasks":[';
  const tail = ']}';
  const overhead = Buffer.byteLength(head) + Buffer.byteLength(tail);
  const room = maxBytes - overhead;
  /** @type {{ json: string, count: number, first: number }[]} */
  const bodies = [];
  /** @type {number[]} */
  const truncated = [];
  /** @type {string[]} */
  let parts = [];
  let size = 0;
  let first = 0;
  const flush = (nextFirst) => {
    if (parts.length) bodies.push({ json: head + parts.join(',') + tail, count: parts.length, first });
    parts = [];
    size = 0;
    first = nextFirst;
  };
  tasks.forEach((task, i) => {
    let json = JSON.stringify(task);
    let bytes = Buffer.byteLength(json);
    if (bytes > room) {
      const text = task.data?.text;
      if (typeof text !== 'string') {
        throw new LauncherError(`task ${i} is ${bytes} bytes of JSON, over the ${maxBytes} byte batch limit, and has no text to cut`);
      }
      json = fitText(task, room);
      bytes = Buffer.byteLength(json);
      truncated.push(i);
    }
    const extra = parts.length ? bytes + 1 : bytes;
    if (parts.length && (size + extra > room || parts.length >= maxTasks)) flush(i);
    size += parts.length ? bytes + 1 : bytes;
    parts.push(json);
  });
  flush(tasks.length);
  return { bodies, truncated };
}

/**
 * The task's JSON with `data.text` cut to the longest prefix that fits in `room` bytes
 * (never splitting a surrogate pair).
 * @param {{ data: { text?: string } }} task
 * @param {number} room bytes
 * @returns {string}
 */
function fitText(task, room) {
  const text = /** @type {string} */ (task.data.text);
  const make = (n) => {
    let cut = text.slice(0, n);
    if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
    return JSON.stringify({ ...task, data: { ...task.data, text: cut } });
  };
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(make(mid)) <= room) lo = mid;
    else hi = mid - 1;
  }
  return make(lo);
}
