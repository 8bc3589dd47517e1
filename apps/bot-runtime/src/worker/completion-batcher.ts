import { headers, JetStreamClient, JSONCodec } from 'nats';
import { TASK_COMPLETIONS, TaskCompletedEvent, TaskCompletionsEvent } from '@apiary/contracts';

const codec = JSONCodec<TaskCompletionsEvent>();

/** Largest completions message, bytes: under NATS's default 1 MiB max_payload with room for headers. */
export const MAX_COMPLETIONS_BYTES = 900_000;

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
    this.publish(batch);
  }

  /** Publishes one batch, halved until each message fits {@link MAX_COMPLETIONS_BYTES} (large results). */
  private publish(batch: { event: TaskCompletedEvent; resolve: () => void; reject: (e: unknown) => void }[]): void {
    const data = codec.encode({ events: batch.map((b) => b.event) });
    if (data.length > MAX_COMPLETIONS_BYTES && batch.length > 1) {
      const half = Math.ceil(batch.length / 2);
      this.publish(batch.slice(0, half));
      this.publish(batch.slice(half));
      return;
    }
    this.js
      .publish(TASK_COMPLETIONS, data, { headers: headers(), msgID: `${this.runner}:${process.pid}:${++this.seq}:${Date.now()}` })
      .then(
        () => batch.forEach((b) => b.resolve()),
        (error) => batch.forEach((b) => b.reject(error)),
      );
  }
}
