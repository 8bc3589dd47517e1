import { Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiaryError,
  DatasetDeleted,
  DatasetDetail,
  DatasetList,
  DatasetRefRequest,
  DatasetView,
  GetDatasetRequest,
  ListDatasetsRequest,
  MEMORY_DATASET_DELETE,
  MEMORY_DATASET_GET,
  MEMORY_DATASET_LIST,
} from '@apiary/contracts';
import { rpcDatasetSink, uploadCsv } from '@apiary/datasets';
import { NatsRpcClient, RPC_CLIENT, SERVICE_ENV } from '@apiary/service-kit';
import type { GatewayEnv } from '../config/gateway.env';
import type { GatewayRequest, GatewayResponse } from '../http/http-types';
import { API_KEY_ROUTE_ERRORS, ApiErrors } from '../openapi/api-docs.decorators';
import { DatasetNameQuery, DatasetPreviewQuery } from './datasets.dto';

/** Content types `POST /datasets` refuses: the JSON body parser has already consumed such a body. */
const JSON_TYPES = /^application\/(?:[\w.+-]+\+)?json\b/i;

/**
 * CSV datasets (docs/datasets.md): upload, list, get, delete. The upload streams
 * the request body through `@apiary/datasets` into memory block by block (each
 * block awaited before more is read); the other routes make one request to memory.
 */
@Controller('datasets')
@ApiTags('datasets')
@ApiErrors(...API_KEY_ROUTE_ERRORS)
export class DatasetsController {
  constructor(
    @Inject(RPC_CLIENT) private readonly rpc: NatsRpcClient,
    @Inject(SERVICE_ENV) private readonly env: GatewayEnv,
  ) {}

  /**
   * `POST /datasets?name=` with a CSV body → 201 `{ dataset_id, name, rows, columns, bytes, created_at }`.
   * @throws 400 `VALIDATION_FAILED` (name, JSON content type), 409 `DATASET_EXISTS`,
   *   413 `PAYLOAD_TOO_LARGE` (over `APIARY_DATASET_MAX_BYTES`), 422 `INVALID_CSV` naming the line
   */
  @Post()
  @HttpCode(201)
  @ApiOperation({
    summary: 'Upload a CSV dataset',
    description:
      'The body is a CSV file (`Content-Type: text/csv`), header row first, every row as wide as the header. It is streamed into memory in blocks ' +
      'of up to 1,000 rows; column types (`integer`, `number`, `boolean`, `date`, `string`) are inferred over every row. ' +
      'A malformed file (422 `INVALID_CSV`, naming the line), a file over `APIARY_DATASET_MAX_BYTES` (413) or an interrupted upload stores nothing.',
  })
  @ApiConsumes('text/csv')
  @ApiBody({ description: 'The CSV file.', schema: { type: 'string', format: 'binary' } })
  @ApiCreatedResponse({ type: DatasetView, description: 'The stored dataset.' })
  @ApiErrors('VALIDATION_FAILED', 'PAYLOAD_TOO_LARGE', 'INVALID_CSV', 'DATASET_EXISTS')
  async upload(@Query() query: DatasetNameQuery, @Req() request: GatewayRequest, @Res({ passthrough: true }) response: GatewayResponse): Promise<DatasetView> {
    const type = request.headers['content-type'] ?? '';
    if (JSON_TYPES.test(type)) {
      throw new ApiaryError('VALIDATION_FAILED', 'content-type: send the CSV as text/csv', [{ field: 'content-type', constraints: ['must be text/csv'] }]);
    }
    const declared = Number(request.headers['content-length'] ?? NaN);
    try {
      if (declared > this.env.APIARY_DATASET_MAX_BYTES) {
        throw new ApiaryError('PAYLOAD_TOO_LARGE', `body: the CSV exceeds ${this.env.APIARY_DATASET_MAX_BYTES} bytes (APIARY_DATASET_MAX_BYTES)`, {
          limit: this.env.APIARY_DATASET_MAX_BYTES,
        });
      }
      return await uploadCsv(request, query.name, rpcDatasetSink(this.rpc), { maxBytes: this.env.APIARY_DATASET_MAX_BYTES });
    } catch (error) {
      // The rest of the body is not wanted: read and drop it, and close the connection after the reply.
      if (!request.complete) {
        response.setHeader('connection', 'close');
        request.resume();
      }
      throw error;
    }
  }

  /** `GET /datasets?limit=&cursor=` → `{ datasets, next_cursor }`, newest first. */
  @Get()
  @ApiOperation({ summary: 'List datasets, newest first' })
  @ApiOkResponse({ type: DatasetList })
  @ApiErrors('VALIDATION_FAILED')
  list(@Query() query: ListDatasetsRequest): Promise<DatasetList> {
    return this.rpc.request<DatasetList>(MEMORY_DATASET_LIST, query);
  }

  /** `GET /datasets/{dataset}` (id or name) → the dataset with its first rows. @throws 404 `DATASET_NOT_FOUND` */
  @Get(':dataset')
  @ApiOperation({
    summary: 'Get a dataset by id or name',
    description: 'Columns with their inferred types and null counts, and the first `sample_rows` rows (default 10) as objects.',
  })
  @ApiOkResponse({ type: DatasetDetail })
  @ApiErrors('VALIDATION_FAILED', 'DATASET_NOT_FOUND')
  get(@Param() params: DatasetRefRequest, @Query() query: DatasetPreviewQuery): Promise<DatasetDetail> {
    const request: GetDatasetRequest = { dataset: params.dataset, sample_rows: query.sample_rows };
    return this.rpc.request<DatasetDetail>(MEMORY_DATASET_GET, request);
  }

  /** `DELETE /datasets/{dataset}` → `{ dataset_id, deleted: true }`. @throws 404 `DATASET_NOT_FOUND` */
  @Delete(':dataset')
  @ApiOperation({ summary: 'Delete a dataset and its rows' })
  @ApiOkResponse({ type: DatasetDeleted })
  @ApiErrors('VALIDATION_FAILED', 'DATASET_NOT_FOUND')
  delete(@Param() params: DatasetRefRequest): Promise<DatasetDeleted> {
    return this.rpc.request<DatasetDeleted>(MEMORY_DATASET_DELETE, { dataset: params.dataset });
  }
}
