import { connect, JSONCodec, Msg, NatsConnection, Subscription } from 'nats';
import { BRAIN_GET_TASK, BRAIN_SUBMIT, BRAIN_SUBMIT_BATCH, ErrorPayload } from '@apiary/contracts';

const codec = JSONCodec<unknown>();

/** One request the fake brain received. */
export interface ReceivedRequest {
  subject: string;
  /** `data` of Nest's request packet `{ pattern, data, id }`. */
  data: unknown;
  /** `traceparent` message header, if any. */
  traceparent: string | undefined;
}

/** What a handler answers: a response, or an error payload. */
export type FakeReply = { response: unknown } | { err: ErrorPayload };

/** Handler of one subject. */
export type FakeHandler = (data: unknown) => FakeReply;

/**
 * Stands in for the orchestrator brain: a plain nats.js subscriber on
 * `BRAIN_SUBMIT` / `BRAIN_SUBMIT_BATCH` / `BRAIN_GET_TASK` answering in Nest's
 * wire format (`{ response | err, isDisposed: true, id }`). Records every request.
 */
export class FakeBrain {
  /** Requests received since the last {@link reset}. */
  readonly received: ReceivedRequest[] = [];
  /** When true, requests are recorded but never answered (to provoke timeouts). */
  silent = false;
  private nc: NatsConnection | undefined;
  private subscriptions: Subscription[] = [];

  /** @param handlers answer of each subject */
  constructor(private readonly handlers: Record<string, FakeHandler>) {}

  /** Connects (once) and subscribes to the brain's subjects. */
  async start(url: string): Promise<void> {
    this.nc ??= await connect({ servers: url, name: 'fake-brain' });
    const nc = this.nc;
    this.subscriptions = [BRAIN_SUBMIT, BRAIN_SUBMIT_BATCH, BRAIN_GET_TASK].map((subject) =>
      nc.subscribe(subject, { queue: 'orchestrator-brain', callback: (error, msg) => !error && this.answer(msg) }),
    );
    await nc.flush();
  }

  /** Unsubscribes (the subjects then have no responders), keeping the connection. */
  async stop(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    this.subscriptions = [];
    await this.nc?.flush();
  }

  /** Forgets received requests and answers again. */
  reset(): void {
    this.received.length = 0;
    this.silent = false;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.nc?.drain();
  }

  private answer(msg: Msg): void {
    const packet = codec.decode(msg.data) as { pattern: string; data: unknown; id: string };
    this.received.push({ subject: msg.subject, data: packet.data, traceparent: msg.headers?.get('traceparent') || undefined });
    if (this.silent) return;
    const handler = this.handlers[msg.subject];
    const reply: FakeReply = handler ? handler(packet.data) : { err: { code: 'INTERNAL', message: 'no handler' } };
    msg.respond(codec.encode({ ...reply, isDisposed: true, id: packet.id }));
  }
}
