import {
  AppendDatasetBlockReply,
  BeginDatasetUploadReply,
  DatasetUploadAborted,
  DatasetView,
  MEMORY_DATASET_ABORT,
  MEMORY_DATASET_APPEND,
  MEMORY_DATASET_BEGIN,
  MEMORY_DATASET_COMMIT,
} from '@apiary/contracts';
import type { DatasetUploadSink } from './csv-upload';

/** The request/reply client a sink needs (the service kit's `NatsRpcClient`). */
export interface RpcRequester {
  request<T>(subject: string, data: unknown, options?: { timeoutMs?: number }): Promise<T>;
}

/**
 * A {@link DatasetUploadSink} that sends each step to memory over NATS
 * (`apiary.memory.datasets.begin / append / commit / abort`), one request per
 * block, each awaited (docs/datasets.md "Upload").
 * @param rpc request/reply client
 * @param timeoutMs reply timeout of each request (default: the client's)
 */
export function rpcDatasetSink(rpc: RpcRequester, timeoutMs?: number): DatasetUploadSink {
  const options = timeoutMs === undefined ? undefined : { timeoutMs };
  return {
    begin: (request) => rpc.request<BeginDatasetUploadReply>(MEMORY_DATASET_BEGIN, request, options),
    append: (request) => rpc.request<AppendDatasetBlockReply>(MEMORY_DATASET_APPEND, request, options),
    commit: (request) => rpc.request<DatasetView>(MEMORY_DATASET_COMMIT, request, options),
    abort: (datasetId) => rpc.request<DatasetUploadAborted>(MEMORY_DATASET_ABORT, { dataset_id: datasetId }, options),
  };
}
