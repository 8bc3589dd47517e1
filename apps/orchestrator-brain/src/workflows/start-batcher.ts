/**
 * Group commit for requests that each write a little (seed 004 "request batching"):
 * requests queue up while `concurrency` writes are in flight, and each write takes
 * everything queued (up to `maxBatch`) in one go. A lone request is written at once
 * (no timer, no added latency); under a burst, one transaction serves many requests,
 * so the database sees a few round trips per batch instead of per request.
 */
export class StartBatcher<TItem, TResult> {
  private readonly queue: { item: TItem; resolve: (r: TResult) => void; reject: (e: unknown) => void }[] = [];
  private running = 0;

  /**
   * @param write writes a batch; returns one result per item, in order (a throw fails the whole batch)
   * @param concurrency writes in flight at once (>= 1)
   * @param maxBatch most items per write (>= 1)
   */
  constructor(
    private readonly write: (items: TItem[]) => Promise<TResult[]>,
    private readonly concurrency: number,
    private readonly maxBatch: number,
  ) {}

  /** @returns the item's result once its batch is written; rejects with the batch's error */
  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.pump();
    });
  }

  /** Requests waiting for a write. */
  get waiting(): number {
    return this.queue.length;
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.running++;
      void this.write(batch.map((b) => b.item))
        .then(
          (results) => batch.forEach((b, i) => b.resolve(results[i])),
          (err) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          this.running--;
          this.pump();
        });
    }
  }
}
