import type { Logger } from 'pino';
import type { ModuleRow, PolicyRow } from '@apiary/persistence';
import type { RouterSnapshot } from './router-snapshot';

/** Where snapshots are read from (PostgreSQL in production). */
export interface SnapshotSource {
  /** @returns the config version, bumped by every change routing depends on */
  version(): Promise<string>;
  modules(): Promise<ModuleRow[]>;
  policies(): Promise<PolicyRow[]>;
}

/**
 * Holds the current {@link RouterSnapshot} of this replica. It is rebuilt right
 * after a local write ({@link reload}, awaited before the write is answered, so a
 * caller reads its own writes on this replica) and whenever the polled config version
 * changes (one `SELECT version` per `refreshMs`), so replicas converge within about
 * one refresh interval of a change made elsewhere, including health changes
 * found by another replica's probes.
 */
export class SnapshotStore {
  private snapshot: RouterSnapshot;
  private timer?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  private polling = false;

  /**
   * @param source rows and version
   * @param build builds a snapshot from rows read at a version
   * @param initial snapshot before the first load
   * @param refreshMs polling period of the version, ms
   * @param logger logger
   */
  constructor(
    private readonly source: SnapshotSource,
    private readonly build: (version: string, modules: ModuleRow[], policies: PolicyRow[]) => RouterSnapshot,
    initial: RouterSnapshot,
    private readonly refreshMs: number,
    private readonly logger: Logger,
  ) {
    this.snapshot = initial;
  }

  /** The snapshot in force. */
  get current(): RouterSnapshot {
    return this.snapshot;
  }

  /** Loads the first snapshot and starts polling. */
  async start(): Promise<void> {
    await this.reload();
    this.timer ??= setInterval(() => void this.poll(), this.refreshMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /**
   * Rebuilds the snapshot from the database now (after any reload already running).
   * The version is read before the rows, so a change committed in between is seen
   * again at the next poll rather than missed.
   */
  reload(): Promise<void> {
    const next = this.chain.then(async () => {
      const version = await this.source.version();
      const [modules, policies] = await Promise.all([this.source.modules(), this.source.policies()]);
      this.snapshot = this.build(version, modules, policies);
    });
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * {@link reload} after a write this replica made: awaited before the write is
   * answered; a failure is logged, not thrown (the write is committed, and the next
   * poll reloads).
   */
  async refreshAfterWrite(): Promise<void> {
    await this.reload().catch((err: unknown) => this.logger.warn({ err }, 'router snapshot reload after a write failed; the next poll retries'));
  }

  /** Reloads when the stored version differs from the snapshot's. Errors are logged. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      if ((await this.source.version()) !== this.snapshot.version) await this.reload();
    } catch (err) {
      this.logger.warn({ err }, 'router snapshot refresh failed');
    } finally {
      this.polling = false;
    }
  }
}
