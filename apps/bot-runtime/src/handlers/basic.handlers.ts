import { setTimeout as delay } from 'node:timers/promises';
import { HandlerContext, HandlerError, TaskHandler } from './task-handler';

/**
 * `noop`: returns `{ ok: true }` at once (benchmarks); when the task named a memory
 * context, `{ ok: true, context: { context_id, data } }`: the context it received.
 */
export class NoopHandler implements TaskHandler {
  readonly type = 'noop';
  async run(_data: Record<string, unknown>, ctx: HandlerContext): Promise<{ ok: true; context?: HandlerContext['context'] }> {
    return ctx.context ? { ok: true, context: ctx.context } : { ok: true };
  }
}

/** `sleep`: waits `data.ms` milliseconds (benchmarks, lease and kill tests). */
export class SleepHandler implements TaskHandler {
  readonly type = 'sleep';
  /** @throws HandlerError `BAD_INPUT` for a bad `ms`, `ABORTED` (retryable) on shutdown */
  async run(data: Record<string, unknown>, ctx: HandlerContext): Promise<{ slept_ms: number }> {
    const ms = data.ms;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new HandlerError('BAD_INPUT', 'data.ms must be a number >= 0', false);
    try {
      await delay(ms, undefined, { signal: ctx.signal });
    } catch {
      throw new HandlerError('ABORTED', 'runtime stopped before the sleep ended', true);
    }
    return { slept_ms: ms };
  }
}
