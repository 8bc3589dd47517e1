import { ConsumerMessages, JetStreamClient, JsMsg } from 'nats';
import type { Logger } from 'pino';

/** Options of {@link BatchConsumer}. */
export interface BatchConsumerOptions {
  js: JetStreamClient;
  stream: string;
  /** Durable consumer name (must exist). */
  consumer: string;
  /** Largest batch handed to `handle` (default 500). */
  maxBatch?: number;
  /** Longest a message waits for its batch to fill, ms (default 20). */
  maxWaitMs?: number;
  /** Messages pulled ahead of processing (default 2 × maxBatch). */
  prefetch?: number;
  /**
   * Processes one batch. Resolve to ack every message; throw to leave them for
   * redelivery (they are nak'ed with a 1 s delay).
   */
  handle: (messages: JsMsg[]) => Promise<void>;
  logger: Logger;
}

/**
 * Pulls a durable JetStream consumer and hands messages to `handle` in
 * micro-batches (up to `maxBatch`, or whatever arrived within `maxWaitMs`), one
 * batch at a time. This turns per-message work into one database round trip per
 * batch (CONVENTIONS.md "Persistence"). Acks only after `handle` resolves, so a
 * crash redelivers (at-least-once).
 */
export class BatchConsumer {
  private messages?: ConsumerMessages;
  private buffer: JsMsg[] = [];
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly maxBatch: number;
  private readonly maxWaitMs: number;

  /** @param options see {@link BatchConsumerOptions} */
  constructor(private readonly options: BatchConsumerOptions) {
    this.maxBatch = options.maxBatch ?? 500;
    this.maxWaitMs = options.maxWaitMs ?? 20;
  }

  /** Starts pulling; returns once the subscription is open. */
  async start(): Promise<void> {
    const consumer = await this.options.js.consumers.get(this.options.stream, this.options.consumer);
    this.messages = await consumer.consume({ max_messages: this.options.prefetch ?? this.maxBatch * 2 });
    void (async () => {
      try {
        for await (const m of this.messages!) {
          if (this.stopped) break;
          this.buffer.push(m);
          if (this.buffer.length >= this.maxBatch) this.flush();
          else this.timer ??= setTimeout(() => this.flush(), this.maxWaitMs);
        }
      } catch (err) {
        if (!this.stopped) this.options.logger.error({ err, consumer: this.options.consumer }, 'consumer loop ended');
      }
    })();
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(async () => {
      try {
        await this.options.handle(batch);
        for (const m of batch) m.ack();
      } catch (err) {
        this.options.logger.error({ err, consumer: this.options.consumer, size: batch.length }, 'batch failed; will be redelivered');
        for (const m of batch) m.nak(1000);
      }
    });
  }

  /** Stops pulling, processes what was already received, and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.messages?.close().catch(() => undefined);
    this.flush();
    await this.chain;
  }
}
