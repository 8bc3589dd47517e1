import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AppendDatasetBlockReply,
  AppendDatasetBlockRequest,
  BeginDatasetUploadReply,
  BeginDatasetUploadRequest,
  CommitDatasetRequest,
  DatasetDeleted,
  DatasetDetail,
  DatasetList,
  DatasetRefRequest,
  DatasetRowsPage,
  DatasetUploadAborted,
  DatasetUploadRequest,
  DatasetView,
  GetDatasetRequest,
  ListDatasetsRequest,
  MEMORY_DATASET_ABORT,
  MEMORY_DATASET_APPEND,
  MEMORY_DATASET_BEGIN,
  MEMORY_DATASET_COMMIT,
  MEMORY_DATASET_DELETE,
  MEMORY_DATASET_GET,
  MEMORY_DATASET_LIST,
  MEMORY_DATASET_READ,
  ReadDatasetRowsRequest,
} from '@apiary/contracts';
import { DatasetsService } from './datasets.service';

/**
 * NATS entry of datasets (`apiary.memory.datasets.*`, docs/datasets.md): the
 * gateway's upload (begin, append, commit, abort) and reads by everyone (get,
 * list, delete; `read` pages of a row range for bot-runtime).
 */
@Controller()
export class DatasetsHandler {
  /** @param datasets the dataset rules */
  constructor(private readonly datasets: DatasetsService) {}

  /** Start an upload. @throws DATASET_EXISTS, VALIDATION_FAILED */
  @MessagePattern(MEMORY_DATASET_BEGIN)
  begin(@Payload() req: BeginDatasetUploadRequest): Promise<BeginDatasetUploadReply> {
    return this.datasets.begin(req);
  }

  /** Store a block. @throws DATASET_NOT_FOUND (no pending upload), VALIDATION_FAILED (field `rows.N`) */
  @MessagePattern(MEMORY_DATASET_APPEND)
  append(@Payload() req: AppendDatasetBlockRequest): Promise<AppendDatasetBlockReply> {
    return this.datasets.append(req);
  }

  /** Commit an upload. @throws DATASET_NOT_FOUND, DATASET_EXISTS, VALIDATION_FAILED */
  @MessagePattern(MEMORY_DATASET_COMMIT)
  commit(@Payload() req: CommitDatasetRequest): Promise<DatasetView> {
    return this.datasets.commit(req);
  }

  /** Drop a pending upload. */
  @MessagePattern(MEMORY_DATASET_ABORT)
  abort(@Payload() req: DatasetUploadRequest): Promise<DatasetUploadAborted> {
    return this.datasets.abort(req);
  }

  /** A dataset with its first rows. @throws DATASET_NOT_FOUND */
  @MessagePattern(MEMORY_DATASET_GET)
  get(@Payload() req: GetDatasetRequest): Promise<DatasetDetail> {
    return this.datasets.get(req);
  }

  /** Datasets, newest first. @throws VALIDATION_FAILED (cursor) */
  @MessagePattern(MEMORY_DATASET_LIST)
  list(@Payload() req: ListDatasetsRequest): Promise<DatasetList> {
    return this.datasets.list(req);
  }

  /** Delete a dataset. @throws DATASET_NOT_FOUND */
  @MessagePattern(MEMORY_DATASET_DELETE)
  delete(@Payload() req: DatasetRefRequest): Promise<DatasetDeleted> {
    return this.datasets.delete(req);
  }

  /** A page of a row range. @throws DATASET_NOT_FOUND */
  @MessagePattern(MEMORY_DATASET_READ)
  read(@Payload() req: ReadDatasetRowsRequest): Promise<DatasetRowsPage> {
    return this.datasets.read(req);
  }
}
