import {
  AnalysisType,
  ColumnType,
  DATA_OPERATIONS,
  DataColumn,
  DataOperation,
  DataProcessResult,
  DataProcessTaskData,
  DISTINCT_METHOD,
  P50_METHOD,
} from '@apiary/contracts';
import { ColumnAccumulator, ColumnState, SentimentAccumulator, SentimentState } from './column-stats';
import { CellValue, isNullCell, parseCell } from './column-types';
import { fingerprint } from './hash';

/**
 * The `data.process` row pipeline (docs/datasets.md "Operations"): rows stream
 * through `clean` → `transform` → `enrich` → `analyze` one at a time, whatever
 * order `operations` lists them in, so a task over a whole dataset holds only the
 * accumulators (and, with `clean`, one 96-bit fingerprint per distinct row).
 */

/** Rows of output kept in a result's `sample`. */
export const SAMPLE_ROWS = 5;

/** A problem with the task's data found once the dataset's columns are known (not retryable). */
export class DataProcessError extends Error {
  /**
   * @param code `UNKNOWN_COLUMN` (a column named in `transform`, `columns` or `column`
   *   does not exist) or `BAD_INPUT` (e.g. two columns renamed to one name)
   * @param message names the column or field
   */
  constructor(
    readonly code: 'UNKNOWN_COLUMN' | 'BAD_INPUT',
    message: string,
  ) {
    super(message);
    this.name = 'DataProcessError';
  }
}

/** A source column: name and type (as a dataset stores them). */
export interface SourceColumn {
  name: string;
  type: ColumnType;
}

/** What a merge carries (`DataProcessResult.merge_state`). */
export interface DataProcessMergeState {
  /** Per analysed column. */
  columns?: Record<string, ColumnState>;
  /** Sentiment totals. */
  sentiment?: SentimentState;
}

/** Scores a text (AFINN); injected by the runtime, which owns the `sentiment` package. */
export type TextScorer = (text: string) => number;

interface OutputColumn extends DataColumn {
  /** Index in the source row, or -1 for `row_number`, or -2 - i for `<source i>_length`. */
  src: number;
}

function unknownColumn(field: string, name: string, known: string[]): DataProcessError {
  return new DataProcessError('UNKNOWN_COLUMN', `${field}: no column "${name}" (columns: ${known.join(', ')})`);
}

/** See the module comment. Build one per task, `push` every row of its range, then `result`. */
export class DataProcessPipeline {
  /** Operations applied, in the fixed order. */
  readonly operations: DataOperation[];
  /** Output columns. */
  readonly columns: DataColumn[];
  private readonly out: OutputColumn[];
  private readonly clean: boolean;
  private readonly seen = new Set<string>();
  private readonly analysis: AnalysisType | null;
  private readonly stats: { name: string; index: number; acc: ColumnAccumulator }[] = [];
  private readonly sentimentColumn?: { index: number; acc: SentimentAccumulator };
  private rowsIn = 0;
  private rowsOut = 0;
  private readonly sample: Record<string, CellValue>[] = [];

  /**
   * @param source the dataset's columns
   * @param data the task's data (validated at submit by {@link DataProcessTaskData})
   * @param scorer AFINN scorer (needed for `analysis_type: "sentiment"`)
   * @throws DataProcessError naming an unknown column or a bad combination
   */
  constructor(
    source: readonly SourceColumn[],
    data: DataProcessTaskData,
    private readonly scorer?: TextScorer,
  ) {
    const listed = data.operations ?? ['analyze'];
    this.operations = DATA_OPERATIONS.filter((op) => listed.includes(op));
    this.clean = this.operations.includes('clean');
    let cols: OutputColumn[] = source.map((c, i) => ({ name: c.name, type: c.type, src: i }));
    if (this.operations.includes('transform') && data.transform) cols = transformColumns(cols, data.transform);
    if (this.operations.includes('enrich')) cols = enrichColumns(cols);
    this.out = cols;
    this.columns = cols.map(({ name, type }) => ({ name, type }));
    const names = cols.map((c) => c.name);
    this.analysis = this.operations.includes('analyze') ? (data.analysis_type ?? 'statistics') : null;
    if (this.analysis === 'statistics') {
      const wanted = data.columns ?? names;
      for (const name of wanted) {
        const index = names.indexOf(name);
        if (index < 0) throw unknownColumn('data.columns', name, names);
        if (!this.stats.some((s) => s.name === name)) this.stats.push({ name, index, acc: new ColumnAccumulator(cols[index].type) });
      }
    } else if (this.analysis === 'sentiment') {
      if (!scorer) throw new DataProcessError('BAD_INPUT', 'analysis_type: sentiment needs a scorer');
      const name = data.column ?? cols.find((c) => c.type === 'string')?.name;
      if (name === undefined) throw new DataProcessError('BAD_INPUT', `data.column: no text column to score (columns: ${names.join(', ')})`);
      const index = names.indexOf(name);
      if (index < 0) throw unknownColumn('data.column', name, names);
      this.sentimentColumn = { index, acc: new SentimentAccumulator(name) };
    }
  }

  /**
   * @param rowNumber the row's 0-based index in the dataset (header excluded)
   * @param cells its cell texts, as wide as the source columns
   */
  push(rowNumber: number, cells: readonly string[]): void {
    this.rowsIn++;
    let row = cells;
    if (this.clean) {
      const trimmed = cells.map((c) => c.trim());
      if (trimmed.every((c) => c.length === 0)) return;
      const key = fingerprint(JSON.stringify(trimmed));
      if (this.seen.has(key)) return;
      this.seen.add(key);
      row = trimmed;
    }
    this.rowsOut++;
    const values: CellValue[] = this.out.map((col) => {
      if (col.src >= 0) return parseCell(col.type, row[col.src] ?? '');
      if (col.src === -1) return rowNumber;
      const text = row[-2 - col.src] ?? '';
      return isNullCell(text) ? null : text.length;
    });
    if (this.sample.length < SAMPLE_ROWS) {
      const obj: Record<string, CellValue> = {};
      this.out.forEach((col, i) => (obj[col.name] = values[i]));
      this.sample.push(obj);
    }
    for (const s of this.stats) s.acc.add(values[s.index]);
    if (this.sentimentColumn) {
      const v = values[this.sentimentColumn.index];
      this.sentimentColumn.acc.add(v === null ? null : (this.scorer as TextScorer)(String(v)));
    }
  }

  /**
   * @param meta the dataset and the row range read
   * @returns the task's result, with the merge state a fan-in needs
   */
  result(meta: { dataset_id: string | null; dataset: string | null; row_range: { start: number; end: number } }): DataProcessResult {
    const result: DataProcessResult = {
      ...meta,
      operations: this.operations,
      rows_in: this.rowsIn,
      rows_out: this.rowsOut,
      columns: this.columns,
      analysis_type: this.analysis,
      sample: this.sample,
    };
    const merge: DataProcessMergeState = {};
    if (this.analysis === 'statistics') {
      result.statistics = Object.fromEntries(this.stats.map((s) => [s.name, s.acc.statistics()]));
      result.methods = { p50: P50_METHOD, distinct: DISTINCT_METHOD };
      merge.columns = Object.fromEntries(this.stats.map((s) => [s.name, s.acc.toState()]));
    } else if (this.sentimentColumn) {
      result.sentiment = this.sentimentColumn.acc.statistics();
      merge.sentiment = this.sentimentColumn.acc.toState();
    }
    result.merge_state = merge as Record<string, unknown>;
    return result;
  }
}

function transformColumns(cols: OutputColumn[], t: NonNullable<DataProcessTaskData['transform']>): OutputColumn[] {
  const known = cols.map((c) => c.name);
  let out = cols.map((c) => ({ ...c }));
  for (const [name, type] of Object.entries(t.cast ?? {})) {
    const col = out.find((c) => c.name === name);
    if (!col) throw unknownColumn('data.transform.cast', name, known);
    col.type = type;
  }
  for (const [from, to] of Object.entries(t.rename ?? {})) {
    const col = out.find((c) => c.name === from);
    if (!col) throw unknownColumn('data.transform.rename', from, known);
    if (typeof to !== 'string' || to.length === 0) throw new DataProcessError('BAD_INPUT', `data.transform.rename.${from}: must be a non-empty string`);
    col.name = to;
  }
  const seen = new Set<string>();
  for (const c of out) {
    if (seen.has(c.name)) throw new DataProcessError('BAD_INPUT', `data.transform.rename: two columns would be named "${c.name}"`);
    seen.add(c.name);
  }
  if (t.select) {
    const renamed = out.map((c) => c.name);
    if (new Set(t.select).size !== t.select.length) throw new DataProcessError('BAD_INPUT', 'data.transform.select: a column is listed twice');
    out = t.select.map((name) => {
      const col = out.find((c) => c.name === name);
      if (!col) throw unknownColumn('data.transform.select', name, renamed);
      return col;
    });
  }
  return out;
}

function enrichColumns(cols: OutputColumn[]): OutputColumn[] {
  const names = new Set(cols.map((c) => c.name));
  const out = [...cols];
  if (!names.has('row_number')) out.push({ name: 'row_number', type: 'integer', src: -1 });
  for (const c of cols) {
    const name = `${c.name}_length`;
    if (c.type === 'string' && !names.has(name)) {
      out.push({ name, type: 'integer', src: -2 - c.src });
      names.add(name);
    }
  }
  return out;
}
