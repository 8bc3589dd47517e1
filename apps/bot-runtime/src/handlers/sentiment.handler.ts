import Sentiment from 'sentiment';
import { SentimentResult } from '@apiary/contracts';
import { HandlerError, TaskHandler } from './task-handler';

/**
 * `text.sentiment`: AFINN-165 sentiment of `data.text` with the `sentiment`
 * package (offline; STACK-NOTES "Text libraries"). Result {@link SentimentResult}.
 */
export class SentimentHandler implements TaskHandler {
  readonly type = 'text.sentiment';
  private readonly analyzer = new Sentiment();

  /** @throws HandlerError `BAD_INPUT` (not retryable) when `text` is not a string */
  async run(data: Record<string, unknown>): Promise<SentimentResult> {
    if (typeof data.text !== 'string') throw new HandlerError('BAD_INPUT', 'data.text must be a string', false);
    const r = this.analyzer.analyze(data.text);
    return {
      score: r.score,
      comparative: Number.isFinite(r.comparative) ? r.comparative : 0,
      tokens: r.tokens.length,
      positive: r.positive.length,
      negative: r.negative.length,
    };
  }
}
