// Proves the validation of AI-work contracts: llm.chat data (exactly one of messages/prompt, model xor model_class,
// stop, temperature, max_tokens), model lists, pricing tables and openai service registration.
import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { ValidationError, validateSync } from 'class-validator';
import { RegisterServiceRequest } from '../router/services';
import { completionCostUsd, LlmChatTaskData, normaliseModels } from './llm';

/** Failed constraints as `path: constraint` (nested properties joined with dots), sorted. */
function failures<T extends object>(cls: new () => T, plain: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (errors: ValidationError[], prefix: string) => {
    for (const e of errors) {
      const path = prefix ? `${prefix}.${e.property}` : e.property;
      for (const c of Object.keys(e.constraints ?? {})) out.push(`${path}: ${c}`);
      walk(e.children ?? [], path);
    }
  };
  walk(validateSync(plainToInstance(cls, plain), { forbidUnknownValues: false }), '');
  return out.sort();
}

/** The messages of the failed constraints of one property. */
function messages<T extends object>(cls: new () => T, plain: Record<string, unknown>, property: string): string[] {
  const e = validateSync(plainToInstance(cls, plain)).find((x) => x.property === property);
  return Object.values(e?.constraints ?? {});
}

describe('LlmChatTaskData', () => {
  const chat = (data: Record<string, unknown>) => failures(LlmChatTaskData, data);

  it('accepts a prompt or messages, with the completion settings', () => {
    expect(chat({ prompt: 'hi' })).toEqual([]);
    expect(chat({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }] })).toEqual([]);
    expect(
      chat({ prompt: 'hi', model: 'llama3.2:1b', max_tokens: 256, temperature: 0.7, stop: ['\n\n', 'END'], response_format: { type: 'json_object' } }),
    ).toEqual([]);
    expect(chat({ prompt: 'hi', model_class: 'code' })).toEqual([]);
  });

  it('wants exactly one of messages and prompt', () => {
    // an absent prompt fails on prompt alone, with the message saying what to give
    expect(new Set(chat({}).map((f) => f.split(':')[0]))).toEqual(new Set(['prompt']));
    expect(chat({})).toContain('prompt: isDefined');
    expect(messages(LlmChatTaskData, {}, 'prompt')).toContain('give one of messages and prompt');
    expect(chat({ prompt: 'hi', messages: [{ role: 'user', content: 'hi' }] })).toEqual(['prompt: notWith']);
    expect(messages(LlmChatTaskData, { prompt: 'hi', messages: [{ role: 'user', content: 'x' }] }, 'prompt')).toEqual(['give messages or prompt, not both']);
  });

  it('checks prompt and messages themselves', () => {
    expect(chat({ prompt: '' })).toEqual(['prompt: minLength']);
    expect(chat({ prompt: 42 })).toEqual(expect.arrayContaining(['prompt: isString']));
    expect(chat({ messages: [] })).toEqual(['messages: arrayMinSize']);
    expect(chat({ messages: [{ role: 'robot', content: 'x' }] })).toEqual(['messages.0.role: isIn']);
    expect(chat({ messages: [{ role: 'user' }] })).toEqual(expect.arrayContaining(['messages.0.content: isDefined', 'messages.0.content: isString']));
    expect(chat({ messages: [{ role: 'user', content: 'x'.repeat(1_048_577) }] })).toEqual(['messages.0.content: maxLength']);
    expect(chat({ messages: Array.from({ length: 1001 }, () => ({ role: 'user', content: 'x' })) })).toEqual(['messages: arrayMaxSize']);
  });

  it('refuses model with model_class, and an unknown class', () => {
    expect(chat({ prompt: 'hi', model: 'm', model_class: 'small' })).toEqual(['model_class: notWith']);
    expect(messages(LlmChatTaskData, { prompt: 'hi', model: 'm', model_class: 'small' }, 'model_class')).toEqual(['give model or model_class, not both']);
    expect(chat({ prompt: 'hi', model_class: 'huge' })).toEqual(['model_class: isIn']);
    expect(chat({ prompt: 'hi', model: '' })).toEqual(['model: minLength']);
    expect(chat({ prompt: 'hi', model: 'm'.repeat(257) })).toEqual(['model: maxLength']);
  });

  it('accepts a stop string or 1..4 strings of 1..256 characters', () => {
    expect(chat({ prompt: 'p', stop: 'END' })).toEqual([]);
    expect(chat({ prompt: 'p', stop: ['a', 'b', 'c', 'd'] })).toEqual([]);
    for (const stop of [['a', 'b', 'c', 'd', 'e'], [], '', ['ok', ''], [1], 'x'.repeat(257), 5, { a: 1 }]) {
      expect(chat({ prompt: 'p', stop })).toEqual(['stop: isStopSequences']);
    }
  });

  it('keeps temperature within 0..2 and max_tokens a positive integer', () => {
    expect(chat({ prompt: 'p', temperature: 0 })).toEqual([]);
    expect(chat({ prompt: 'p', temperature: 2 })).toEqual([]);
    expect(chat({ prompt: 'p', temperature: -0.01 })).toEqual(['temperature: min']);
    expect(chat({ prompt: 'p', temperature: 2.01 })).toEqual(['temperature: max']);
    expect(chat({ prompt: 'p', temperature: '1' })).toContain('temperature: isNumber');
    expect(chat({ prompt: 'p', max_tokens: 0 })).toEqual(['max_tokens: min']);
    expect(chat({ prompt: 'p', max_tokens: 1.5 })).toEqual(['max_tokens: isInt']);
    expect(chat({ prompt: 'p', max_tokens: 1_000_001 })).toEqual(['max_tokens: max']);
  });

  it('checks response_format', () => {
    expect(chat({ prompt: 'p', response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } })).toEqual([]);
    expect(chat({ prompt: 'p', response_format: { type: 'xml' } })).toEqual(['response_format.type: isIn']);
  });
});

describe('RegisterServiceRequest with protocol openai', () => {
  const reg = (fields: Record<string, unknown>) => failures(RegisterServiceRequest, { service_name: 'ollama', endpoint: 'http://127.0.0.1:11434/v1', ...fields });

  it('needs models, not capabilities', () => {
    expect(reg({ protocol: 'openai', models: ['llama3.2:1b', { name: 'phi3.5', class: 'small' }] })).toEqual([]);
    expect(reg({ protocol: 'openai' })).toEqual(['models: isDefined']);
    expect(messages(RegisterServiceRequest, { service_name: 'o', endpoint: 'http://h/v1', protocol: 'openai' }, 'models')).toEqual(['models is required when protocol is openai']);
    // a process service still needs capabilities
    expect(reg({})).toEqual(expect.arrayContaining(['capabilities: isDefined']));
    // given capabilities are still checked
    expect(reg({ protocol: 'openai', models: ['m'], capabilities: [] })).toEqual(['capabilities: arrayMinSize']);
  });

  it('takes an API key variable name, pricing and limits', () => {
    expect(
      reg({
        protocol: 'openai', models: ['gpt-4o-mini'], api_key_env: 'OPENAI_API_KEY',
        pricing: { 'gpt-4o-mini': { input_per_1m: 0.15, output_per_1m: 0.6 } }, limits: { rpm: 500, tpm: 200_000, max_concurrency: 8 },
      }),
    ).toEqual([]);
    expect(reg({ protocol: 'openai', models: ['m'], api_key_env: '1KEY' })).toEqual(['api_key_env: matches']);
    expect(reg({ protocol: 'openai', models: ['m'], api_key_env: 'MY-KEY' })).toEqual(['api_key_env: matches']);
    expect(reg({ protocol: 'openai', models: ['m'], limits: { rpm: 0 } })).toEqual(['limits.rpm: min']);
    expect(reg({ protocol: 'openai', models: ['m'], limits: { tpm: 1.5 } })).toEqual(['limits.tpm: isInt']);
    expect(reg({ protocol: 'openai', models: ['m'], limits: { max_concurrency: 100_001 } })).toEqual(['limits.max_concurrency: max']);
    expect(reg({ protocol: 'grpc', models: ['m'], capabilities: ['x'] })).toEqual(['protocol: isIn']);
  });

  it('IsModelList: 1..200 unique names or { name, class } with a known class and nothing else', () => {
    expect(reg({ protocol: 'openai', models: Array.from({ length: 200 }, (_, i) => `m${i}`) })).toEqual([]);
    for (const models of [
      [],
      Array.from({ length: 201 }, (_, i) => `m${i}`),
      ['a', 'a'],
      ['a', { name: 'a', class: 'small' }],
      [''],
      ['m'.repeat(257)],
      [{ name: 'a', class: 'huge' }],
      [{ name: 'a', extra: 1 }],
      [{ class: 'small' }],
      [null],
      [['a']],
      [7],
      'a',
    ]) {
      expect(reg({ protocol: 'openai', models })).toEqual(['models: isModelList']);
    }
  });

  it('IsPricingTable: model → { input_per_1m, output_per_1m } within 0..1,000,000, at most 200 models', () => {
    const ok = reg({ protocol: 'openai', models: ['m'], pricing: { m: { input_per_1m: 0, output_per_1m: 1_000_000 } } });
    expect(ok).toEqual([]);
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`m${i}`, { input_per_1m: 1, output_per_1m: 1 }]));
    for (const pricing of [
      many,
      { m: { input_per_1m: -1, output_per_1m: 1 } },
      { m: { input_per_1m: 1, output_per_1m: 1_000_001 } },
      { m: { input_per_1m: 1 } },
      { m: { input_per_1m: '1', output_per_1m: 1 } },
      { m: { input_per_1m: 1, output_per_1m: 1, currency: 'EUR' } },
      { m: null },
      { '': { input_per_1m: 1, output_per_1m: 1 } },
      [{ input_per_1m: 1, output_per_1m: 1 }],
      'free',
    ]) {
      expect(reg({ protocol: 'openai', models: ['m'], pricing })).toEqual(['pricing: isPricingTable']);
    }
  });
});

describe('normaliseModels and completionCostUsd', () => {
  it('normalises names and { name, class } to { name, class | null }', () => {
    expect(normaliseModels(['a', { name: 'b', class: 'code' }, { name: 'c' }])).toEqual([
      { name: 'a', class: null },
      { name: 'b', class: 'code' },
      { name: 'c', class: null },
    ]);
    expect(normaliseModels(undefined)).toEqual([]);
  });

  it('prices prompt and completion tokens per million, rounded to 10 decimals; free without a price', () => {
    expect(completionCostUsd({ prompt_tokens: 1000, completion_tokens: 500 }, { input_per_1m: 0.15, output_per_1m: 0.6 })).toBe(0.00045);
    expect(completionCostUsd({ prompt_tokens: 1, completion_tokens: 0 }, { input_per_1m: 0.0001, output_per_1m: 0 })).toBe(1e-10);
    expect(completionCostUsd({ prompt_tokens: 1, completion_tokens: 0 }, { input_per_1m: 0.00001, output_per_1m: 0 })).toBe(0);
    expect(completionCostUsd({ prompt_tokens: 3, completion_tokens: 0 }, { input_per_1m: 1, output_per_1m: 0 })).toBe(0.000003);
    expect(completionCostUsd({ prompt_tokens: 1000, completion_tokens: 1000 }, undefined)).toBe(0);
  });
});
