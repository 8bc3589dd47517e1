import type { DataSource, QueryRunner } from 'typeorm';
import type { Leadership } from '../scaling/autoscaler';

/** Advisory-lock key of the scaler's leadership. */
export const SCALER_LEADER_LOCK_KEY = 7_263_007;

/**
 * Leadership among scaler replicas through a PostgreSQL session advisory lock held
 * on a connection of its own: the holder applies decisions, the others only
 * decide and answer queries. A lost connection loses the lock; the next
 * {@link acquire} opens a new session and tries again.
 */
export class AdvisoryLeadership implements Leadership {
  private runner?: QueryRunner;
  private held = false;

  /** @param ds connected data source */
  constructor(private readonly ds: DataSource) {}

  /** @returns whether this replica holds the lock now */
  async acquire(): Promise<boolean> {
    try {
      if (!this.runner || this.runner.isReleased) {
        this.runner = this.ds.createQueryRunner();
        await this.runner.connect();
        this.held = false;
      }
      if (this.held) {
        // Still the same session: the lock is held as long as it lives.
        await this.runner.query('SELECT 1');
        return true;
      }
      const [row] = await this.runner.query('SELECT pg_try_advisory_lock($1) AS ok', [SCALER_LEADER_LOCK_KEY]);
      this.held = row?.ok === true;
      return this.held;
    } catch {
      await this.runner?.release().catch(() => undefined);
      this.runner = undefined;
      this.held = false;
      return false;
    }
  }

  /** Releases the lock and its connection. */
  async release(): Promise<void> {
    if (!this.runner) return;
    if (this.held) await this.runner.query('SELECT pg_advisory_unlock($1)', [SCALER_LEADER_LOCK_KEY]).catch(() => undefined);
    await this.runner.release().catch(() => undefined);
    this.runner = undefined;
    this.held = false;
  }
}
