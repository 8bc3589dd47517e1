import { Client } from 'pg';
import type { Logger } from 'pino';

/** Channel notified (after commit) when the workflow inbox got rows. */
export const WORKFLOW_CHANNEL = 'apiary_workflow';
/** Channel notified (after commit) with a batch id when the batch's last task finished. */
export const BATCH_CHANNEL = 'apiary_batch';

/** Receives a notification's payload. */
export type NotificationHandler = (payload: string) => void;

/**
 * PostgreSQL LISTEN on one dedicated connection per brain replica. The migration's
 * triggers `pg_notify` in the transaction that finishes a task or batch; PostgreSQL
 * delivers it only after commit, to every listening replica, whoever made the
 * change. If the connection drops it reconnects (1 s → 10 s backoff) and calls the
 * `onConnect` handlers, which re-read what they might have missed.
 */
export class PgNotifications {
  private client?: Client;
  private readonly handlers = new Map<string, NotificationHandler[]>();
  private readonly connectHandlers: (() => void)[] = [];
  private stopped = false;
  private retryMs = 1000;
  private timer?: NodeJS.Timeout;

  /**
   * @param url PostgreSQL URL (DATABASE_URL)
   * @param logger logger
   */
  constructor(
    private readonly url: string,
    private readonly logger: Logger,
  ) {}

  /** Registers a handler of a channel (before or after {@link start}). */
  on(channel: string, handler: NotificationHandler): void {
    this.handlers.set(channel, [...(this.handlers.get(channel) ?? []), handler]);
  }

  /** Registers a handler called after every (re)connection. */
  onConnect(handler: () => void): void {
    this.connectHandlers.push(handler);
  }

  /** Connects and listens; resolves once listening (or after the first failure, retrying in the background). */
  async start(): Promise<void> {
    this.stopped = false;
    await this.connect();
  }

  /** Closes the connection; no reconnection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.stopped || this.client) return;
    const client = new Client({ connectionString: this.url, application_name: 'apiary-brain-listen' });
    client.on('notification', (n) => {
      for (const h of this.handlers.get(n.channel) ?? []) h(n.payload ?? '');
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    try {
      await client.connect();
      await client.query(`LISTEN ${WORKFLOW_CHANNEL}; LISTEN ${BATCH_CHANNEL}`);
      this.client = client;
      this.retryMs = 1000;
      for (const h of this.connectHandlers) h();
    } catch (err) {
      await client.end().catch(() => undefined);
      this.lost(undefined, err as Error);
    }
  }

  private lost(client: Client | undefined, err: Error): void {
    if (client && this.client !== client) return;
    this.client = undefined;
    if (this.stopped) return;
    this.logger.warn({ err, retryMs: this.retryMs }, 'PostgreSQL LISTEN connection lost; reconnecting');
    client?.end().catch(() => undefined);
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect();
    }, this.retryMs);
    this.retryMs = Math.min(10_000, this.retryMs * 2);
  }
}
