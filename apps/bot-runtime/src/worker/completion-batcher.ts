import { headers, JetStreamClient, JSONCodec } from 'nats';
import { TASK_COMPLETIONS, TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';

const codec = JSONCodec<TaskCompletionsEvent>();

/** Tunables of {@link CompletionBatcher}. */
export interface CompletionBatcherConfig {
  /** Most completions in one message (default 100). */
  maxBatch: number;
  /** Longest a completion waits for its batch, ms (default 5). */
  maxWaitMs: number;
}

/**
 * Publishes completions in batches: one JetStream message (`apiary.events.task.completions`)
 * per up to `maxBatch` completions or `maxWaitMs`. Each `add` resolves once the
 * batch holding it is stored by JetStream, so the caller acks its work message
 * only after its result is safe (at-least-once is unchanged; consumers are
 * idempotent per task and attempt).
 */
export class CompletionBatcher {
  private pending: { event: TaskCompletedEvent; resolve: () => void; reject: (e: unknown) => void }[] = [];
  private timer?: NodeJS.Timeout;
  private seq = 0;

  /**
   * @param js JetStream client
   * @param runner replica id (part of each batch's message id)
   * @param config batch size and wait
   */
  constructor(
    private readonly js: Pick<JetStreamClient, 'publish'>,
    private readonly runner: string,
    private readonly config: CompletionBatcherConfig = { maxBatch: 100, maxWaitMs: 5 },
  ) {}

  /**
   * Queues one completion.
   * @returns resolves when stored by JetStream; rejects when the publish failed
   */
  add(event: TaskCompletedEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length >= this.config.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.config.maxWaitMs);
    });
  }

  /** Publishes what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const payload: TaskCompletionsEvent = { events: batch.map((b) => b.event) };
    this.js
      .publish(TASK_COMPLETIONS, codec.encode(payload), { headers: headers(), msgID: `${this.runner}:${process.pid}:${++this.seq}:${Date.now()}` })
      .then(
        () => batch.forEach((b) => b.resolve()),
        (error) => batch.forEach((b) => b.reject(error)),
      );
  }
}
