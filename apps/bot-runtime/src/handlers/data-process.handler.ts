import Sentiment from 'sentiment';
import { DATA_PROCESS_TASK_TYPE, DataProcessResult, DataProcessTaskData, DatasetColumn } from '@apiary/contracts';
import { DataProcessError, DataProcessPipeline, parseCsvText } from '@apiary/datasets';
import type { DatasetSource } from '../datasets/dataset-source';
import { HandlerContext, HandlerError, TaskHandler } from './task-handler';

/** Largest result, bytes of JSON: results travel in completion batches that must stay well under 1 MB. */
export const MAX_DATA_PROCESS_RESULT_BYTES = 262_144;

/**
 * `data.process` (and its aliases `data_processing`, `distributed_analysis`,
 * `mass_data_processing`): a dataset's rows — a stored dataset by id or name
 * (`dataset`, `input_file`) read page by page from memory, or inline `csv` —
 * streamed through `clean` → `transform` → `enrich` → `analyze`
 * (docs/datasets.md "The data.process task type"). With `row_range` only those
 * rows are read (what a swarm fan-out gives each chunk). The result
 * ({@link DataProcessResult}) carries the statistics and the merge state the
 * batch fan-in combines. AFINN scores come from the `sentiment` package.
 */
export class DataProcessHandler implements TaskHandler {
  readonly type = DATA_PROCESS_TASK_TYPE;
  private readonly analyzer = new Sentiment();

  /** @param datasets where stored datasets are read (absent: only inline `csv` works) */
  constructor(private readonly datasets?: DatasetSource) {}

  /**
   * @throws HandlerError `DATASET_NOT_FOUND`, `UNKNOWN_COLUMN`, `BAD_INPUT`, `INVALID_CSV`,
   *   `RESULT_TOO_LARGE` (not retryable); `MEMORY_UNAVAILABLE`, `ABORTED` (retryable)
   */
  async run(raw: Record<string, unknown>, ctx: HandlerContext): Promise<DataProcessResult> {
    const data = raw as DataProcessTaskData;
    const start = data.row_range?.start ?? 0;
    const end = data.row_range?.end;
    const score = (text: string) => this.analyzer.analyze(text).score;
    const pipelineFor = (columns: DatasetColumn[]) => {
      try {
        return new DataProcessPipeline(columns, data, score);
      } catch (err) {
        if (err instanceof DataProcessError) throw new HandlerError(err.code, err.message, false);
        throw err;
      }
    };
    let result: DataProcessResult;
    if (typeof data.csv === 'string') {
      let parsed;
      try {
        parsed = parseCsvText(data.csv);
      } catch (err) {
        throw new HandlerError('INVALID_CSV', `data.csv: ${(err as Error).message}`, false);
      }
      const pipeline = pipelineFor(parsed.columns);
      const stop = Math.min(end ?? parsed.rows.length, parsed.rows.length);
      for (let i = start; i < stop; i++) pipeline.push(i, parsed.rows[i]);
      result = pipeline.result({ dataset_id: null, dataset: null, row_range: { start: Math.min(start, stop), end: stop } });
    } else {
      const ref = data.dataset ?? data.input_file;
      if (ref === undefined) throw new HandlerError('BAD_INPUT', 'data: give one of dataset, input_file and csv', false);
      if (!this.datasets) throw new HandlerError('MEMORY_UNAVAILABLE', 'no dataset source on this runtime', true);
      let pipeline: DataProcessPipeline | undefined;
      let meta: { dataset_id: string; dataset: string; start: number; end: number } | undefined;
      for await (const page of this.datasets.pages(ref, start, end)) {
        if (ctx.signal.aborted) throw new HandlerError('ABORTED', 'the runtime stopped the task', true);
        pipeline ??= pipelineFor(page.columns);
        meta ??= { dataset_id: page.dataset_id, dataset: page.name, start: page.start, end: page.end };
        meta.end = page.end;
        page.rows.forEach((cells, i) => (pipeline as DataProcessPipeline).push(page.start + i, cells));
      }
      if (!pipeline || !meta) throw new HandlerError('DATASET_NOT_FOUND', `dataset "${ref}" returned no page`, false);
      result = pipeline.result({ dataset_id: meta.dataset_id, dataset: meta.dataset, row_range: { start: meta.start, end: meta.end } });
    }
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > MAX_DATA_PROCESS_RESULT_BYTES) {
      throw new HandlerError('RESULT_TOO_LARGE', `the result is ${bytes} bytes (at most ${MAX_DATA_PROCESS_RESULT_BYTES}): analyse fewer columns (data.columns)`, false);
    }
    return result;
  }
}
