import type { ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';

/** Messages of a chat as the Chat Completions API takes them. */
type Messages = ChatCompletionCreateParamsNonStreaming['messages'];

/**
 * The Chat Completions body of a task (docs/ai-work.md "llm.chat"): its `messages`,
 * or its `prompt` as one user message, or — for another capability served by an
 * `openai` service — its whole data as JSON in one user message; plus
 * `max_tokens`, `temperature`, `response_format` and `stop` when given. Never streamed.
 * @param data the task's data (validated at submit for `llm.chat`)
 * @param model the model the route chose
 */
export function chatBody(data: Record<string, unknown>, model: string): ChatCompletionCreateParamsNonStreaming {
  let messages: Messages;
  if (Array.isArray(data.messages)) messages = data.messages as Messages;
  else if (typeof data.prompt === 'string') messages = [{ role: 'user', content: data.prompt }];
  else messages = [{ role: 'user', content: JSON.stringify(data) }];
  const body: ChatCompletionCreateParamsNonStreaming = { model, messages, stream: false };
  if (typeof data.max_tokens === 'number') body.max_tokens = data.max_tokens;
  if (typeof data.temperature === 'number') body.temperature = data.temperature;
  if (data.response_format && typeof data.response_format === 'object') body.response_format = data.response_format as ChatCompletionCreateParamsNonStreaming['response_format'];
  if (typeof data.stop === 'string' || Array.isArray(data.stop)) body.stop = data.stop as string | string[];
  return body;
}

/**
 * Tokens a chat's prompt is reserved for before the provider counts them: about
 * 4 characters a token plus 4 per message (OpenAI's rule of thumb for English
 * text); the reservation is corrected by `usage` after the call.
 * @param data the task's data
 */
export function estimatePromptTokens(data: Record<string, unknown>): number {
  const body = chatBody(data, '');
  let chars = 0;
  for (const m of body.messages) {
    const content = (m as { content?: unknown }).content;
    chars += typeof content === 'string' ? content.length : JSON.stringify(content ?? '').length;
  }
  return Math.ceil(chars / 4) + 4 * body.messages.length + 3;
}
