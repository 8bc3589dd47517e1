/**
 * Counting semaphore bounding concurrent task executions of one runtime replica.
 */
export class Slots {
  private used = 0;
  private acquirers: (() => void)[] = [];
  private freeWaiters: (() => void)[] = [];

  /** @param capacity most concurrent holders (≥ 1) */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be an integer >= 1 (got ${capacity})`);
  }

  /** Slots free right now. */
  get free(): number {
    return this.capacity - this.used;
  }

  /** Slots taken right now. */
  get inUse(): number {
    return this.used;
  }

  /** Waits for a slot and takes it (FIFO among waiters). */
  async acquire(): Promise<void> {
    if (this.used < this.capacity) {
      this.used++;
      return;
    }
    // release() hands its slot straight to us: `used` stays counted.
    await new Promise<void>((resolve) => this.acquirers.push(resolve));
  }

  /** Gives a slot back (to the first waiting acquirer, if any). */
  release(): void {
    const next = this.acquirers.shift();
    if (next) {
      next();
      return;
    }
    this.used = Math.max(0, this.used - 1);
    const waiters = this.freeWaiters;
    this.freeWaiters = [];
    for (const w of waiters) w();
  }

  /** Resolves when at least one slot is free (without taking it). */
  async waitForFree(): Promise<void> {
    if (this.used < this.capacity) return;
    await new Promise<void>((resolve) => this.freeWaiters.push(resolve));
  }

  /** Resolves when nothing is held, or after `timeoutMs`. @returns true when idle */
  async idle(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.used > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return this.used === 0;
  }
}
