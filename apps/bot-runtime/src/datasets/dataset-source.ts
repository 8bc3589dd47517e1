import { ApiaryError, DatasetRowsPage, MEMORY_DATASET_READ, ReadDatasetRowsRequest } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import { HandlerError } from '../handlers/task-handler';

/** Reads a dataset's rows by range, page by page (port; {@link MemoryDatasetSource} in production). */
export interface DatasetSource {
  /**
   * @param dataset id or name
   * @param start first row, 0-based
   * @param end end of the range, exclusive (default: the dataset's end)
   * @returns the pages of `[start, end)` in order, each under ~512 KiB of rows
   * @throws HandlerError `DATASET_NOT_FOUND` (not retryable), `MEMORY_UNAVAILABLE` (retryable)
   */
  pages(dataset: string, start: number, end?: number): AsyncIterable<DatasetRowsPage>;
}

/**
 * {@link DatasetSource} asking memory over `apiary.memory.datasets.read`
 * (docs/datasets.md "Reading by range"): one request per page of whole blocks, the
 * next asked only once the previous one is processed, so a task holds one page at
 * a time. A name is resolved by the first page; later pages ask by the id it
 * returned, so a dataset re-uploaded under the same name meanwhile does not mix in.
 */
export class MemoryDatasetSource implements DatasetSource {
  /**
   * @param rpc NATS RPC client
   * @param timeoutMs reply timeout of each page, ms
   */
  constructor(
    private readonly rpc: Pick<NatsRpcClient, 'request'>,
    private readonly timeoutMs: number,
  ) {}

  async *pages(dataset: string, start: number, end?: number): AsyncIterable<DatasetRowsPage> {
    let ref = dataset;
    let next: number | null = start;
    while (next !== null) {
      const request: ReadDatasetRowsRequest = { dataset: ref, start: next, ...(end === undefined ? {} : { end }) };
      let page: DatasetRowsPage;
      try {
        page = await this.rpc.request<DatasetRowsPage>(MEMORY_DATASET_READ, request, { timeoutMs: this.timeoutMs });
      } catch (err) {
        if (err instanceof ApiaryError && (err.code === 'DATASET_NOT_FOUND' || err.code === 'VALIDATION_FAILED')) {
          throw new HandlerError('DATASET_NOT_FOUND', `dataset "${dataset}" does not exist (or was deleted)`, false);
        }
        throw new HandlerError('MEMORY_UNAVAILABLE', `dataset "${dataset}" could not be read: ${(err as Error).message}`, true);
      }
      ref = page.dataset_id;
      yield page;
      next = page.next;
    }
  }
}
