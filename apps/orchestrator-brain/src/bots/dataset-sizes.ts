import { DatasetDetail, GetDatasetRequest, MEMORY_DATASET_GET } from '@apiary/contracts';
import type { NatsRpcClient } from '@apiary/service-kit';
import type { DatasetSizes } from './assignment.service';

/**
 * {@link DatasetSizes} asking memory (`apiary.memory.datasets.get` without preview
 * rows) when a `data.process` swarm assignment is split by rows
 * (docs/datasets.md "Swarm fan-out"). Memory's errors (`DATASET_NOT_FOUND`, or
 * `SERVICE_UNAVAILABLE` when it is down) reach the client as they are.
 */
export class MemoryDatasetSizes implements DatasetSizes {
  /** @param rpc NATS RPC client (the brain's default timeout) */
  constructor(private readonly rpc: Pick<NatsRpcClient, 'request'>) {}

  /** {@inheritDoc DatasetSizes.size} */
  async size(dataset: string): Promise<{ dataset_id: string; rows: number }> {
    const request: GetDatasetRequest = { dataset, sample_rows: 0 };
    const detail = await this.rpc.request<DatasetDetail>(MEMORY_DATASET_GET, request);
    return { dataset_id: detail.dataset_id, rows: detail.rows };
  }
}
