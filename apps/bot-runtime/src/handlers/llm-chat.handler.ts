import { LLM_CHAT_TASK_TYPE, ModelClass } from '@apiary/contracts';
import type { RoutedCaller } from '../routing/routed-caller';
import { HandlerContext, HandlerError, TaskHandler } from './task-handler';

/**
 * `llm.chat` (docs/ai-work.md "llm.chat"): a chat completion on a registered
 * OpenAI-compatible provider. Routing picks a (service, model) pair — the task's
 * `model` pins one, `model_class` restricts to a class — and {@link RoutedCaller}
 * calls it through the `openai` package with retries, fallbacks, breakers and the
 * provider's limits. Result: `{ text, model, finish_reason, usage, cost_usd, service }`.
 */
export class LlmChatHandler implements TaskHandler {
  readonly type = LLM_CHAT_TASK_TYPE;

  /** @param routed the routed caller (without one, tasks fail retryable with `NO_ROUTER`) */
  constructor(private readonly routed?: RoutedCaller) {}

  /** @throws HandlerError see {@link RoutedCaller.run}; `NO_ROUTER` (retryable) without a router client */
  async run(data: Record<string, unknown>, ctx: HandlerContext): Promise<unknown> {
    if (!this.routed) throw new HandlerError('NO_ROUTER', 'llm.chat reached a runtime without a router client', true);
    const model = typeof data.model === 'string' ? data.model : undefined;
    const modelClass = typeof data.model_class === 'string' ? (data.model_class as ModelClass) : undefined;
    return this.routed.run(data, ctx, { model, model_class: modelClass });
  }
}
