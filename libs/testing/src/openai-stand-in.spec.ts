/**
 * The OpenAI-compatible stand-in, driven by the real `openai` client.
 *
 * This is a stand-in for an LLM provider: a real HTTP server on loopback
 * (127.0.0.1, port from the OS) speaking the real OpenAI Chat Completions wire
 * format. Nothing here talks to a real provider. What it proves is that the
 * product's client library, the official `openai` package configured as
 * bot-runtime configures it (`new OpenAI({ baseURL, apiKey, maxRetries: 0 })`,
 * `client.chat.completions.create(...)`), works against it unchanged: success
 * bodies and `usage` parse, and 401 / 404 / 400 / 429 / 500 surface as the SDK's
 * own error classes with their status, body fields and headers.
 */
import OpenAI from 'openai';
import { OpenAiStandIn, promptTokensOf, seededRandom, standInClient, startOpenAiStandIn } from './openai-stand-in';

const KEY = 'sk-stand-in-0123456789';

async function rejection(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('OpenAI stand-in (real openai client, loopback HTTP)', () => {
  let standIn: OpenAiStandIn;
  let client: OpenAI;

  beforeEach(async () => {
    standIn = await startOpenAiStandIn({ apiKey: KEY, models: ['phi3.5', 'llama3.2'], random: seededRandom(7) });
    client = new OpenAI({ baseURL: standIn.baseURL, apiKey: KEY, maxRetries: 0 });
  });

  afterEach(async () => {
    await standIn.close();
  });

  it('answers a chat completion in the Chat Completions shape with deterministic content and usage', async () => {
    const messages = [
      { role: 'system' as const, content: 'You summarise.' },
      { role: 'user' as const, content: 'Sunset over the quiet harbour with boats' },
    ];
    const completion = await client.chat.completions.create({ model: 'llama3.2', messages });
    expect(standIn.baseURL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(completion).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: 'chat.completion',
      created: expect.any(Number),
      model: 'llama3.2',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Summary (7 words): Sunset over the quiet harbour with boats', refusal: null, annotations: [] },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: expect.any(Object),
    });
    expect(Math.abs(completion.created - Date.now() / 1000)).toBeLessThan(5);
    const chars = 'You summarise.'.length + 'Sunset over the quiet harbour with boats'.length;
    const prompt = Math.ceil(chars / 4) + 3 * 2;
    const content = completion.choices[0]!.message.content!;
    const completionTokens = Math.ceil(content.length / 4);
    expect(completion.usage).toEqual({ prompt_tokens: prompt, completion_tokens: completionTokens, total_tokens: prompt + completionTokens });
    expect(promptTokensOf(messages)).toBe(prompt);

    const [record] = standIn.requests;
    expect(record).toMatchObject({ kind: 'chat', model: 'llama3.2', authPresent: true, authOk: true, status: 200, promptTokens: prompt, completionTokens });
    expect(record!.admittedAt).toBeGreaterThanOrEqual(record!.receivedAt);
    expect((record!.body as any).messages).toEqual(messages);
    expect(standIn.counts).toMatchObject({ calls: 1, successes: 1, rateLimited: 0, serverErrors: 0, clientErrors: 0 });
  });

  it('truncates to max_tokens with finish_reason "length", answers JSON for json_object, honours n and stop', async () => {
    const cut = await client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'one two three four five six' }], max_tokens: 2 });
    expect(cut.choices[0]!.finish_reason).toBe('length');
    expect(cut.choices[0]!.message.content).toBe('Summary ');
    expect(cut.usage!.completion_tokens).toBe(2);

    const json = await client.chat.completions.create({
      model: 'phi3.5',
      messages: [{ role: 'user', content: 'alpha beta gamma' }],
      response_format: { type: 'json_object' },
    });
    expect(JSON.parse(json.choices[0]!.message.content!)).toEqual({ summary: 'alpha beta gamma', word_count: 3 });

    const two = await client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'a b' }], n: 2, stop: ':' });
    expect(two.choices.map((c) => [c.index, c.message.content, c.finish_reason])).toEqual([
      [0, 'Summary (2 words)', 'stop'],
      [1, 'Summary (2 words)', 'stop'],
    ]);
    expect(two.usage!.completion_tokens).toBe(2 * Math.ceil('Summary (2 words)'.length / 4));
  });

  it('lists its models to client.models.list()', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => [m.id, m.object])).toEqual([
      ['phi3.5', 'model'],
      ['llama3.2', 'model'],
    ]);
    expect(standIn.counts.modelLists).toBe(1);
  });

  it('answers 401 in OpenAI error shape for a wrong key (AuthenticationError) and for a missing Authorization header', async () => {
    const err = await rejection(standInClient(standIn, 'sk-wrong-key-000000').chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(err.status).toBe(401);
    expect(err.code).toBe('invalid_api_key');
    expect(err.type).toBe('invalid_request_error');
    expect(err.message).not.toContain('sk-wrong-key-000000');

    const raw = await fetch(`${standIn.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as any).error).toMatchObject({ type: 'invalid_request_error', param: null, code: null });
    expect(standIn.requests.map((r) => [r.authPresent, r.authOk, r.status])).toEqual([
      [true, false, 401],
      [false, false, 401],
    ]);
    expect(standIn.counts).toMatchObject({ calls: 2, successes: 0, clientErrors: 2 });
  });

  it('answers 404 model_not_found for a model it does not serve (NotFoundError)', async () => {
    const err = await rejection(client.chat.completions.create({ model: 'gpt-9', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect(err.status).toBe(404);
    expect(err.error).toEqual({
      message: 'The model `gpt-9` does not exist or you do not have access to it.',
      type: 'invalid_request_error',
      param: 'model',
      code: 'model_not_found',
    });
  });

  it('answers 400 for malformed JSON, a bad body and stream: true (BadRequestError naming the parameter)', async () => {
    const raw = await fetch(`${standIn.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: '{"model": "phi3.5", "messages": [',
    });
    expect(raw.status).toBe(400);
    expect(((await raw.json()) as any).error.type).toBe('invalid_request_error');

    const empty = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [] }));
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect([empty.param, empty.code]).toEqual(['messages', 'empty_array']);

    const badRole = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'robot', content: 'x' } as any] }));
    expect(badRole.param).toBe('messages[0].role');

    const stream = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }], stream: true }));
    expect(stream).toBeInstanceOf(OpenAI.BadRequestError);
    expect(stream.param).toBe('stream');
  });

  it('answers 429 with retry-after and x-ratelimit-* past its rpm (RateLimitError), and admits again after the refill', async () => {
    standIn.limits.rpm = 120; // 2 a second: a bucket of 2 refilled at 2/s
    const ask = () => client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'hello' }] });
    await ask();
    await ask();
    const err = await rejection(ask());
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err.status).toBe(429);
    expect(err.code).toBe('rate_limit_exceeded');
    expect(err.type).toBe('requests');
    expect(err.message).toMatch(/Rate limit reached for phi3\.5 on requests per min \(RPM\): Limit 120/);
    const headers = err.headers as Headers;
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(Number(headers.get('retry-after')))).toBe(true);
    const waitMs = Number(headers.get('retry-after-ms'));
    expect(waitMs).toBeGreaterThan(0);
    expect(waitMs).toBeLessThanOrEqual(500);
    expect(headers.get('x-ratelimit-limit-requests')).toBe('120');
    expect(headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/);

    await new Promise((r) => setTimeout(r, waitMs + 20));
    await expect(ask()).resolves.toMatchObject({ object: 'chat.completion' });
    expect(standIn.counts).toMatchObject({ calls: 4, successes: 3, rateLimited: 1 });
  });

  it('quantises rpm and tpm per second: token buckets refilled continuously (injected clock)', async () => {
    await standIn.close();
    let t = 1_000_000;
    standIn = await startOpenAiStandIn({ models: ['m'], limits: { rpm: 600, tpm: 6000 }, now: () => t });
    const c = standInClient(standIn);
    const ask = (max_tokens = 1) => c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'abcd' }], max_tokens });
    // rpm 600 → 10 a second. 12 at once: 10 admitted, 2 refused.
    const first = await Promise.allSettled(Array.from({ length: 12 }, () => ask()));
    expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(10);
    t += 100; // one request refilled
    await expect(ask()).resolves.toBeDefined();
    await expect(rejection(ask())).resolves.toBeInstanceOf(OpenAI.RateLimitError);
    // tpm 6000 → 100 tokens a second, charged prompt (1 + 3) + max_tokens at admission.
    t += 10_000;
    standIn.reset();
    await expect(ask(90)).resolves.toBeDefined(); // 94 of 100
    const tokens = await rejection(ask(90));
    expect(tokens.type).toBe('tokens');
    expect(tokens.headers.get('x-ratelimit-limit-tokens')).toBe('6000');
    expect(tokens.headers.get('x-ratelimit-remaining-tokens')).toBe('6');
    expect(tokens.headers.get('retry-after-ms')).toBe(String(Math.ceil((94 - 6) / 0.1)));
    expect(standIn.requests.filter((r) => r.status === 200).map((r) => r.reservedTokens)).toEqual([94]);
    // Larger than tpm: never admitted.
    t += 60_000;
    expect((await rejection(ask(7000))).message).toMatch(/Request too large/);
  });

  it('counts admissions in sliding windows and per second', async () => {
    await standIn.close();
    let t = 5_000_000;
    standIn = await startOpenAiStandIn({ models: ['m'], limits: { rpm: 300 }, now: () => t }); // 5 a second
    const c = standInClient(standIn);
    const ask = () => c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    for (let second = 0; second < 3; second++) {
      await Promise.allSettled(Array.from({ length: 8 }, () => ask()));
      t += 1000;
    }
    expect(standIn.counts).toMatchObject({ calls: 24, successes: 15, rateLimited: 9 });
    expect(standIn.maxInAnyWindow(1000)).toBe(5);
    expect(standIn.maxInAnyWindow(1001)).toBe(10);
    expect(standIn.perSecond().map((s) => [s.second, s.admitted, s.rateLimited])).toEqual([
      [0, 5, 3],
      [1, 5, 3],
      [2, 5, 3],
    ]);
  });

  it('forces 429s with a given retry-after while behaviour.force429 is set', async () => {
    standIn.behaviour.force429 = { retryAfterS: 3 };
    const err = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect(err.headers.get('retry-after')).toBe('3');
    expect(err.headers.get('retry-after-ms')).toBe('3000');
    standIn.behaviour.retryAfterHeaders = 'seconds';
    const secondsOnly = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }));
    expect(secondsOnly.headers.get('retry-after-ms')).toBeNull();
    standIn.behaviour.force429 = null;
    await expect(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] })).resolves.toBeDefined();
  });

  it('answers 500 server_error with failRate 1 (InternalServerError), and per model', async () => {
    standIn.behaviour.failRate = 1;
    const err = await rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }));
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err.status).toBe(500);
    expect(err.type).toBe('server_error');
    standIn.behaviour.failRate = 0;
    standIn.behaviour.perModel = { 'llama3.2': { failRate: 1 } };
    await expect(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] })).resolves.toBeDefined();
    await expect(rejection(client.chat.completions.create({ model: 'llama3.2', messages: [{ role: 'user', content: 'x' }] }))).resolves.toBeInstanceOf(
      OpenAI.InternalServerError,
    );
    expect(standIn.counts).toMatchObject({ calls: 3, successes: 1, serverErrors: 2 });
  });

  it('respects latencyMs (fixed and ranged) and tracks calls in flight', async () => {
    standIn.behaviour.latencyMs = 150;
    let started = Date.now();
    await client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    standIn.behaviour.latencyMs = { min: 100, max: 200 };
    started = Date.now();
    await Promise.all(Array.from({ length: 4 }, () => client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] })));
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(1000);
    expect(standIn.maxInFlight).toBe(4);
    expect(standIn.inFlight).toBe(0);
  });

  it('close() destroys open sockets: a pending call fails at once', async () => {
    standIn.behaviour.latencyMs = 30_000;
    const pending = rejection(client.chat.completions.create({ model: 'phi3.5', messages: [{ role: 'user', content: 'x' }] }));
    while (standIn.inFlight === 0) await new Promise((r) => setTimeout(r, 5));
    const started = Date.now();
    await standIn.close();
    const err = await pending;
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
