// Proves the Chat Completions body built from a task (messages, prompt, or the data as JSON; the settings passed
// through only when well-typed) and the prompt-token estimate reserved under a TPM limit.
import { chatBody, estimatePromptTokens } from './chat-body';

describe('chatBody', () => {
  it('passes messages through with the model, never streamed', () => {
    const messages = [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }];
    expect(chatBody({ messages }, 'gpt-s')).toEqual({ model: 'gpt-s', messages, stream: false });
  });

  it('makes a prompt one user message', () => {
    expect(chatBody({ prompt: 'summarise this' }, 'm')).toEqual({ model: 'm', messages: [{ role: 'user', content: 'summarise this' }], stream: false });
  });

  it('sends the whole data as JSON for another capability served by an openai service', () => {
    const data = { subject: 'Sale', audience: ['a', 'b'] };
    expect(chatBody(data, 'm').messages).toEqual([{ role: 'user', content: JSON.stringify(data) }]);
  });

  it('passes max_tokens, temperature (0 included), response_format and stop when well-typed, and nothing else', () => {
    const body = chatBody(
      { prompt: 'p', max_tokens: 64, temperature: 0, response_format: { type: 'json_object' }, stop: ['\n\n', 'END'], model: 'ignored', extra: 1 },
      'chosen',
    );
    expect(body).toEqual({
      model: 'chosen', messages: [{ role: 'user', content: 'p' }], stream: false,
      max_tokens: 64, temperature: 0, response_format: { type: 'json_object' }, stop: ['\n\n', 'END'],
    });
    expect(chatBody({ prompt: 'p', stop: 'STOP' }, 'm').stop).toBe('STOP');
    const loose = chatBody({ prompt: 'p', max_tokens: '64', temperature: '1', response_format: 'json', stop: 3 }, 'm');
    expect(loose).toEqual({ model: 'm', messages: [{ role: 'user', content: 'p' }], stream: false });
  });
});

describe('estimatePromptTokens', () => {
  it('is about 4 characters a token, plus 4 per message and 3', () => {
    expect(estimatePromptTokens({ prompt: 'abcd'.repeat(10) })).toBe(10 + 4 + 3);
    expect(estimatePromptTokens({ prompt: 'abcde' })).toBe(2 + 4 + 3);
    expect(estimatePromptTokens({ messages: [{ role: 'system', content: 'hello' }, { role: 'user', content: 'world!!' }] })).toBe(3 + 8 + 3);
  });

  it('counts JSON data and non-text content by their JSON length', () => {
    expect(estimatePromptTokens({ a: 1 })).toBe(Math.ceil('{"a":1}'.length / 4) + 4 + 3);
    const parts = [{ type: 'text', text: 'hi' }];
    expect(estimatePromptTokens({ messages: [{ role: 'user', content: parts }] })).toBe(Math.ceil(JSON.stringify(parts).length / 4) + 4 + 3);
  });

  it('grows with the prompt', () => {
    expect(estimatePromptTokens({ prompt: 'x'.repeat(4000) })).toBe(1007);
  });
});
