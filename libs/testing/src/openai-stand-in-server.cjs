'use strict';
// OpenAI-compatible stand-in server: a real HTTP server on loopback speaking the
// OpenAI Chat Completions wire format (https://platform.openai.com/docs/api-reference/chat),
// with its own provider-style rate limits, for specs and benches. Plain CommonJS so
// that both the TypeScript specs (through libs/testing/src/openai-stand-in.ts) and the
// ESM bench scripts (through bench/lib/openai-stand-in.mjs) load this one copy.
// Types and the full API documentation: openai-stand-in-server.d.cts.

const http = require('node:http');

/** Models a stand-in serves when none are configured (the model-class examples of README "Providers from the environment"). */
const DEFAULT_MODELS = Object.freeze(['phi3.5', 'gemma2', 'llama3.2', 'deepseek-coder']);
/** Completion tokens allowed when a request gives no `max_tokens` / `max_completion_tokens`. */
const DEFAULT_MAX_TOKENS = 1024;
/** Largest request body accepted, bytes (413 above it). */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;
/** Words of the prompt echoed in the reply. */
const ECHO_WORDS = 12;
/** `created` of every listed model (fixed, so listings are deterministic). */
const MODEL_CREATED_S = 1_700_000_000;
/** Roles the Chat Completions API accepts. */
const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];

/**
 * mulberry32: a deterministic random source in [0, 1).
 * @param {number} seed any 32-bit integer
 * @returns {() => number}
 */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A duration as OpenAI's `x-ratelimit-reset-*` headers write it: `20ms`, `1s`,
 * `7.66s`, `6m0s`, `1h2m3s`.
 * @param {number} ms non-negative
 * @returns {string}
 */
function formatResetDuration(ms) {
  const total = Math.max(0, Math.ceil(ms));
  if (total < 1000) return `${total}ms`;
  const seconds = total / 1000;
  if (seconds < 60) return `${trimNumber(seconds)}s`;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds - h * 3600) / 60);
  const s = trimNumber(seconds - h * 3600 - m * 60);
  return h > 0 ? `${h}h${m}m${s}s` : `${m}m${s}s`;
}

function trimNumber(n) {
  return String(Math.round(n * 1000) / 1000);
}

/**
 * Text of a message's `content`: a string, or the `text` of its text parts (other
 * parts count as their JSON).
 */
function contentText(content) {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((p) => (p && typeof p === 'object' && p.type === 'text' && typeof p.text === 'string' ? p.text : JSON.stringify(p)))
      .join('\n');
  }
  return '';
}

/**
 * Prompt tokens of a chat: ceil(characters of every message's content / 4) + 3 per message.
 * @param {Array<{ content?: unknown }>} messages
 * @returns {number}
 */
function promptTokensOf(messages) {
  let chars = 0;
  for (const m of messages) chars += contentText(m && m.content).length;
  return Math.ceil(chars / 4) + 3 * messages.length;
}

/** Tokens of a generated text: ceil(characters / 4), at least 1. */
function textTokens(text) {
  return Math.max(1, Math.ceil(text.length / 4));
}

/**
 * The deterministic reply to a chat: a summary-like echo of the last user message
 * (its word count and first words); JSON (`{ summary, word_count }`) when the
 * request asks for `json_object` or `json_schema`.
 * @param {{ messages: Array<{ role: string, content?: unknown }>, response_format?: { type?: string } }} body
 * @returns {string}
 */
function defaultReply(body) {
  const users = body.messages.filter((m) => m.role === 'user');
  const source = users.length ? contentText(users[users.length - 1].content) : body.messages.map((m) => contentText(m.content)).join(' ');
  const words = source.split(/\s+/).filter(Boolean);
  const head = words.slice(0, ECHO_WORDS).join(' ') + (words.length > ECHO_WORDS ? ' ...' : '');
  const type = body.response_format && body.response_format.type;
  if (type === 'json_object' || type === 'json_schema') return JSON.stringify({ summary: head, word_count: words.length });
  return `Summary (${words.length} word${words.length === 1 ? '' : 's'}): ${head}`;
}

/** An OpenAI error body. */
function errorBody(message, type, param = null, code = null) {
  return { error: { message, type, param, code } };
}

class BadRequest extends Error {
  constructor(message, param, code) {
    super(message);
    this.param = param;
    this.code = code;
  }
}

function isInt(v) {
  return typeof v === 'number' && Number.isInteger(v);
}

/**
 * Checks a Chat Completions body the way the API does (the fields a client sends most).
 * @throws {BadRequest} naming the parameter
 */
function validateChatBody(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequest('We could not parse the JSON body of your request. (HINT: the body must be a JSON object.)', null, null);
  }
  if (body.model === undefined) throw new BadRequest('you must provide a model parameter', 'model', 'missing_required_parameter');
  if (typeof body.model !== 'string' || body.model === '') throw new BadRequest(`Invalid type for 'model': expected a non-empty string.`, 'model', 'invalid_type');
  if (body.messages === undefined) throw new BadRequest(`Missing required parameter: 'messages'.`, 'messages', 'missing_required_parameter');
  if (!Array.isArray(body.messages)) throw new BadRequest(`Invalid type for 'messages': expected an array of objects.`, 'messages', 'invalid_type');
  if (body.messages.length === 0) {
    throw new BadRequest(`Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.`, 'messages', 'empty_array');
  }
  body.messages.forEach((m, i) => {
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new BadRequest(`Invalid type for 'messages[${i}]': expected an object.`, `messages[${i}]`, 'invalid_type');
    if (!ROLES.includes(m.role)) {
      throw new BadRequest(`Invalid value: '${String(m.role)}'. Supported values are: ${ROLES.map((r) => `'${r}'`).join(', ')}.`, `messages[${i}].role`, 'invalid_value');
    }
    const c = m.content;
    const okContent = typeof c === 'string' || Array.isArray(c) || ((c === null || c === undefined) && (m.role === 'assistant' || m.role === 'function'));
    if (!okContent) throw new BadRequest(`Invalid type for 'messages[${i}].content': expected a string or an array of content parts.`, `messages[${i}].content`, 'invalid_type');
  });
  for (const p of ['max_tokens', 'max_completion_tokens']) {
    const v = body[p];
    if (v === undefined || v === null) continue;
    if (!isInt(v)) throw new BadRequest(`Invalid type for '${p}': expected an integer.`, p, 'invalid_type');
    if (v < 1) throw new BadRequest(`Invalid '${p}': integer below minimum value. Expected a value >= 1, but got ${v} instead.`, p, 'integer_below_min_value');
  }
  if (body.n !== undefined && body.n !== null && (!isInt(body.n) || body.n < 1 || body.n > 128)) {
    throw new BadRequest(`Invalid 'n': expected an integer between 1 and 128.`, 'n', 'invalid_value');
  }
  if (body.temperature !== undefined && body.temperature !== null) {
    if (typeof body.temperature !== 'number' || !(body.temperature >= 0 && body.temperature <= 2)) {
      throw new BadRequest(`Invalid 'temperature': expected a number between 0 and 2.`, 'temperature', 'invalid_value');
    }
  }
  if (body.stop !== undefined && body.stop !== null) {
    const ok = typeof body.stop === 'string' || (Array.isArray(body.stop) && body.stop.length <= 4 && body.stop.every((s) => typeof s === 'string'));
    if (!ok) throw new BadRequest(`Invalid 'stop': expected a string or an array of at most 4 strings.`, 'stop', 'invalid_value');
  }
  if (body.response_format !== undefined && body.response_format !== null) {
    const t = body.response_format && body.response_format.type;
    if (!['text', 'json_object', 'json_schema'].includes(t)) {
      throw new BadRequest(`Invalid value for 'response_format.type': expected one of 'text', 'json_object', 'json_schema'.`, 'response_format.type', 'invalid_value');
    }
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw new BadRequest(`Invalid type for 'stream': expected a boolean.`, 'stream', 'invalid_type');
  }
  if (body.stream === true) {
    throw new BadRequest('stream: true is not supported by this stand-in (non-streaming Chat Completions only).', 'stream', 'unsupported_value');
  }
}

/**
 * A token bucket (capacity `capacity`, refilled continuously at `perMs` a
 * millisecond), refilled up to `now`. Created full.
 */
function refill(bucket, capacity, perMs, now) {
  if (bucket.level === undefined || bucket.capacity === undefined) {
    bucket.level = capacity;
  } else {
    bucket.level = Math.min(capacity, bucket.level + Math.max(0, now - bucket.at) * perMs);
  }
  bucket.capacity = capacity;
  bucket.at = now;
}

/**
 * Starts an OpenAI-compatible stand-in on `host` (default 127.0.0.1), port from
 * the OS unless given. See openai-stand-in-server.d.cts for the options and the
 * returned object.
 * @param {import('./openai-stand-in-server.cjs').OpenAiStandInOptions} [options]
 * @returns {Promise<import('./openai-stand-in-server.cjs').OpenAiStandIn>}
 */
async function startOpenAiStandIn(options = {}) {
  const now = options.now || Date.now;
  const random = options.random || Math.random;
  const behaviour = {
    latencyMs: 0,
    failRate: 0,
    force429: null,
    retryAfterHeaders: 'both',
    perModel: {},
    ...(options.behaviour || {}),
  };
  const limits = { ...(options.limits || {}) };
  /** @type {Map<string, { requests: object, tokens: object }>} */
  const buckets = new Map();
  const records = [];
  const timers = new Set();
  const sockets = new Set();
  let seq = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let modelLists = 0;

  const standIn = {
    baseURL: '',
    url: '',
    port: 0,
    models: [...(options.models || DEFAULT_MODELS)],
    apiKey: options.apiKey,
    limits,
    behaviour,
    defaultMaxTokens: options.defaultMaxTokens || DEFAULT_MAX_TOKENS,
    reply: options.reply || defaultReply,
    requests: records,
    get counts() {
      const chat = records.filter((r) => r.kind === 'chat');
      const answered = (lo, hi) => chat.filter((r) => r.status !== null && r.status >= lo && r.status < hi).length;
      return {
        calls: chat.length,
        successes: answered(200, 300),
        rateLimited: chat.filter((r) => r.status === 429).length,
        serverErrors: answered(500, 600),
        clientErrors: answered(400, 500) - chat.filter((r) => r.status === 429).length,
        aborted: chat.filter((r) => r.aborted).length,
        modelLists,
      };
    },
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    admitted() {
      return records.filter((r) => r.kind === 'chat' && r.status !== null && r.status >= 200 && r.status < 300);
    },
    maxInAnyWindow(windowMs) {
      if (!(windowMs > 0)) throw new RangeError('windowMs must be > 0');
      const ts = standIn
        .admitted()
        .map((r) => r.admittedAt)
        .sort((a, b) => a - b);
      let best = 0;
      for (let i = 0, j = 0; j < ts.length; j++) {
        while (ts[j] - ts[i] >= windowMs) i++;
        best = Math.max(best, j - i + 1);
      }
      return best;
    },
    perSecond() {
      const chat = records.filter((r) => r.kind === 'chat');
      if (chat.length === 0) return [];
      const t0 = chat.reduce((min, r) => Math.min(min, r.receivedAt), Infinity);
      const out = [];
      const slot = (t) => {
        const s = Math.floor((t - t0) / 1000);
        while (out.length <= s) out.push({ second: out.length, admitted: 0, rateLimited: 0, serverErrors: 0, other: 0 });
        return out[s];
      };
      for (const r of chat) {
        if (r.status !== null && r.status >= 200 && r.status < 300) slot(r.admittedAt).admitted++;
        else if (r.status === 429) slot(r.receivedAt).rateLimited++;
        else if (r.status !== null && r.status >= 500) slot(r.receivedAt).serverErrors++;
        else slot(r.receivedAt).other++;
      }
      return out;
    },
    reset() {
      records.length = 0;
      buckets.clear();
      modelLists = 0;
      maxInFlight = inFlight;
    },
    close: async () => undefined,
  };

  /** Limits in force for a model: its own (`modelLimits`) or the shared ones. */
  function limitsFor(model) {
    const own = options.modelLimits && options.modelLimits[model];
    return own ? { key: `model:${model}`, rpm: own.rpm, tpm: own.tpm } : { key: '*', rpm: limits.rpm, tpm: limits.tpm };
  }

  /**
   * Admission under rpm and tpm (token buckets of capacity limit/60, refilled at
   * limit/60 a second). A request needs one request token and, of the token bucket,
   * its reservation (or the bucket's capacity when the reservation is larger, which
   * then leaves the bucket in debt), so over time at most tpm/60 tokens a second pass.
   * @returns {{ ok: true, headers: object } | { ok: false, headers: object, kind: 'requests' | 'tokens', waitMs: number, message: string }}
   */
  function admit(model, reserve) {
    const l = limitsFor(model);
    const t = now();
    let state = buckets.get(l.key);
    if (!state) buckets.set(l.key, (state = { requests: {}, tokens: {} }));
    const checks = [];
    if (l.rpm > 0) {
      const cap = Math.max(1, l.rpm / 60);
      const perMs = l.rpm / 60_000;
      refill(state.requests, cap, perMs, t);
      checks.push({ kind: 'requests', bucket: state.requests, cap, perMs, limit: l.rpm, need: 1, cost: 1 });
    }
    if (l.tpm > 0) {
      const cap = Math.max(1, l.tpm / 60);
      const perMs = l.tpm / 60_000;
      refill(state.tokens, cap, perMs, t);
      checks.push({ kind: 'tokens', bucket: state.tokens, cap, perMs, limit: l.tpm, need: Math.min(reserve, cap), cost: reserve });
    }
    const headersOf = () => {
      const h = {};
      for (const c of checks) {
        h[`x-ratelimit-limit-${c.kind}`] = String(c.limit);
        h[`x-ratelimit-remaining-${c.kind}`] = String(Math.max(0, Math.floor(c.bucket.level)));
        h[`x-ratelimit-reset-${c.kind}`] = formatResetDuration((c.cap - c.bucket.level) / c.perMs);
      }
      return h;
    };
    const tooLarge = checks.find((c) => c.kind === 'tokens' && reserve > c.limit);
    if (tooLarge) {
      return {
        ok: false,
        kind: 'tokens',
        waitMs: 60_000,
        headers: headersOf(),
        message: `Request too large for ${model} on tokens per min (TPM): Limit ${tooLarge.limit}, Requested ${reserve}. The input or output tokens must be reduced in order to run successfully.`,
      };
    }
    const short = checks.filter((c) => c.bucket.level < c.need);
    if (short.length > 0) {
      const waitMs = Math.max(...short.map((c) => (c.need - c.bucket.level) / c.perMs));
      const first = short[0];
      const unit = first.kind === 'requests' ? 'requests per min (RPM)' : 'tokens per min (TPM)';
      const used = Math.max(0, Math.ceil(first.cap - first.bucket.level));
      return {
        ok: false,
        kind: first.kind,
        waitMs,
        headers: headersOf(),
        message: `Rate limit reached for ${model} on ${unit}: Limit ${first.limit}, Used ${used}, Requested ${first.cost}. Please try again in ${formatResetDuration(waitMs)}.`,
      };
    }
    for (const c of checks) c.bucket.level -= c.cost;
    return { ok: true, headers: headersOf() };
  }

  function retryHeaders(waitMs) {
    const mode = behaviour.retryAfterHeaders || 'both';
    const h = {};
    if (mode === 'both' || mode === 'seconds') h['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
    if (mode === 'both' || mode === 'ms') h['retry-after-ms'] = String(Math.max(1, Math.ceil(waitMs)));
    return h;
  }

  /** Behaviour for a model: the shared knobs with the model's overrides. */
  function behaviourFor(model) {
    const own = (behaviour.perModel && model && behaviour.perModel[model]) || {};
    return {
      latencyMs: own.latencyMs !== undefined ? own.latencyMs : behaviour.latencyMs,
      failRate: own.failRate !== undefined ? own.failRate : behaviour.failRate,
      force429: own.force429 !== undefined ? own.force429 : behaviour.force429,
    };
  }

  function drawLatency(latency) {
    if (typeof latency === 'number') return Math.max(0, latency);
    if (latency && typeof latency === 'object') {
      const min = Math.max(0, latency.min || 0);
      const max = Math.max(min, latency.max === undefined ? min : latency.max);
      return min + random() * (max - min);
    }
    return 0;
  }

  function send(res, record, status, body, headers = {}) {
    record.answeredAt = now();
    if (res.destroyed || res.writableEnded) {
      record.aborted = true;
      return;
    }
    record.status = status;
    if (status >= 400 && body && body.error) {
      record.errorType = body.error.type;
      record.errorCode = body.error.code;
    }
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'x-request-id': `req_standin_${record.seq}`,
      ...headers,
    });
    res.end(text);
  }

  /** Checks `Authorization: Bearer <key>` when a key is configured. @returns an error body, or null when allowed */
  function authFailure(req, record) {
    const header = req.headers.authorization;
    record.authPresent = typeof header === 'string' && header.length > 0;
    const match = record.authPresent ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    record.authOk = standIn.apiKey === undefined || standIn.apiKey === null || (match !== null && match[1] === standIn.apiKey);
    if (record.authOk) return null;
    if (!record.authPresent || !match) {
      return errorBody(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
        'invalid_request_error',
      );
    }
    const given = match[1];
    const shown = given.length > 8 ? `${given.slice(0, 3)}****${given.slice(-4)}` : '****';
    return errorBody(`Incorrect API key provided: ${shown}.`, 'invalid_request_error', null, 'invalid_api_key');
  }

  function later(ms, fn) {
    if (ms <= 0) return fn();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timers.add(timer);
  }

  function handleChat(req, res, record, raw) {
    const denied = authFailure(req, record);
    if (denied) return send(res, record, 401, denied);
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(
        res,
        record,
        400,
        errorBody('We could not parse the JSON body of your request. (HINT: This likely means you aren\'t using your HTTP library correctly.)', 'invalid_request_error'),
      );
    }
    if (options.keepBodies !== false) record.body = body;
    if (body && typeof body === 'object' && typeof body.model === 'string') record.model = body.model;
    try {
      validateChatBody(body);
    } catch (e) {
      if (!(e instanceof BadRequest)) throw e;
      return send(res, record, 400, errorBody(e.message, 'invalid_request_error', e.param, e.code));
    }
    if (!standIn.models.includes(body.model)) {
      return send(
        res,
        record,
        404,
        errorBody(`The model \`${body.model}\` does not exist or you do not have access to it.`, 'invalid_request_error', 'model', 'model_not_found'),
      );
    }
    const n = body.n || 1;
    const maxTokens = body.max_completion_tokens || body.max_tokens || null;
    const promptTokens = promptTokensOf(body.messages);
    record.maxTokens = maxTokens;
    record.promptTokens = promptTokens;
    record.reservedTokens = promptTokens + (maxTokens || standIn.defaultMaxTokens) * n;

    const b = behaviourFor(body.model);
    if (b.force429) {
      const waitMs = Math.max(0, Number(b.force429.retryAfterS ?? 1)) * 1000;
      const headers = { ...retryHeaders(waitMs), ...(b.force429.headers || {}) };
      return send(res, record, 429, errorBody(b.force429.message || `Rate limit reached for ${body.model}. Please try again in ${formatResetDuration(waitMs)}.`, 'requests', null, 'rate_limit_exceeded'), headers);
    }
    const admission = admit(body.model, record.reservedTokens);
    if (!admission.ok) {
      return send(res, record, 429, errorBody(admission.message, admission.kind, null, 'rate_limit_exceeded'), { ...admission.headers, ...retryHeaders(admission.waitMs) });
    }
    record.admittedAt = now();
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const fail = b.failRate > 0 && random() < b.failRate;
    const latency = drawLatency(b.latencyMs);
    let released = false;
    const release = () => {
      if (!released) {
        released = true;
        inFlight -= 1;
      }
    };
    res.once('close', () => {
      if (record.status === null) record.aborted = true;
      release();
    });
    later(latency, () => {
      release();
      if (fail) {
        return send(res, record, 500, errorBody('The server had an error while processing your request. Sorry about that!', 'server_error'), admission.headers);
      }
      let content = String(standIn.reply(body));
      let finish = 'stop';
      const stops = body.stop === undefined || body.stop === null ? [] : [].concat(body.stop);
      for (const s of stops) {
        const at = s ? content.indexOf(s) : -1;
        if (at >= 0) content = content.slice(0, at);
      }
      const allowed = maxTokens || standIn.defaultMaxTokens;
      if (textTokens(content) > allowed) {
        content = content.slice(0, allowed * 4);
        finish = 'length';
      }
      const perChoice = Math.min(allowed, textTokens(content));
      const completionTokens = perChoice * n;
      record.completionTokens = completionTokens;
      const choices = [];
      for (let i = 0; i < n; i++) {
        choices.push({ index: i, message: { role: 'assistant', content, refusal: null, annotations: [] }, logprobs: null, finish_reason: finish });
      }
      send(
        res,
        record,
        200,
        {
          id: `chatcmpl-standin-${record.seq}`,
          object: 'chat.completion',
          created: Math.floor(now() / 1000),
          model: body.model,
          choices,
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        },
        admission.headers,
      );
    });
  }

  function handleModels(req, res, record, id) {
    const denied = authFailure(req, record);
    if (denied) return send(res, record, 401, denied);
    modelLists += 1;
    const view = (m) => ({ id: m, object: 'model', created: MODEL_CREATED_S, owned_by: 'apiary-stand-in' });
    if (id === undefined) return send(res, record, 200, { object: 'list', data: standIn.models.map(view) });
    if (!standIn.models.includes(id)) {
      return send(res, record, 404, errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found'));
    }
    return send(res, record, 200, view(id));
  }

  const server = http.createServer((req, res) => {
    const path = (req.url || '/').split('?')[0];
    const isChat = req.method === 'POST' && path === '/v1/chat/completions';
    const record = {
      seq: ++seq,
      kind: isChat ? 'chat' : 'other',
      method: req.method,
      path,
      receivedAt: now(),
      admittedAt: null,
      answeredAt: null,
      model: null,
      authPresent: false,
      authOk: false,
      status: null,
      errorType: null,
      errorCode: null,
      promptTokens: null,
      completionTokens: null,
      reservedTokens: null,
      maxTokens: null,
      aborted: false,
      body: undefined,
    };
    records.push(record);
    const chunks = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c) => {
      size += c.length;
      if (size > BODY_LIMIT_BYTES) tooBig = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => {
      if (tooBig) return send(res, record, 413, errorBody(`Request body larger than ${BODY_LIMIT_BYTES} bytes.`, 'invalid_request_error'));
      const raw = Buffer.concat(chunks);
      try {
        if (isChat) return handleChat(req, res, record, raw);
        if (req.method === 'GET' && path === '/v1/models') return handleModels(req, res, record, undefined);
        const model = /^\/v1\/models\/(.+)$/.exec(path);
        if (req.method === 'GET' && model) return handleModels(req, res, record, decodeURIComponent(model[1]));
        return send(res, record, 404, errorBody(`Invalid URL (${req.method} ${path})`, 'invalid_request_error'));
      } catch (e) {
        return send(res, record, 500, errorBody(`stand-in failure: ${e && e.message}`, 'server_error'));
      }
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port || 0, options.host || '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const host = options.host || '127.0.0.1';
  standIn.port = address.port;
  standIn.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  standIn.baseURL = `${standIn.url}/v1`;
  let closing;
  standIn.close = () => {
    if (!closing) {
      closing = new Promise((resolve) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      });
    }
    return closing;
  };
  return standIn;
}

module.exports = {
  startOpenAiStandIn,
  seededRandom,
  formatResetDuration,
  promptTokensOf,
  defaultReply,
  DEFAULT_MODELS,
  DEFAULT_MAX_TOKENS,
};
