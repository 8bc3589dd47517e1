import { PickType } from '@nestjs/swagger';
import { BeginDatasetUploadRequest, GetDatasetRequest } from '@apiary/contracts';

/*
 * HTTP request shapes of /datasets, derived from the contracts
 * (libs/contracts/src/datasets/datasets.ts) so no field is restated here.
 */

/** Query of `POST /datasets?name=`: the dataset's name. */
export class DatasetNameQuery extends PickType(BeginDatasetUploadRequest, ['name'] as const) {}

/** Query of `GET /datasets/{dataset}?sample_rows=`. */
export class DatasetPreviewQuery extends PickType(GetDatasetRequest, ['sample_rows'] as const) {}
