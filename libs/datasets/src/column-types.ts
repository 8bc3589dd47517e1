import type { ColumnType, DatasetColumn } from '@apiary/contracts';

/**
 * Cell types (docs/datasets.md "Column types"). A cell is null when it is empty or
 * blank; otherwise its kind is the narrowest of `integer` (a safe integer),
 * `number` (a finite decimal, exponent allowed), `boolean` (`true`/`false`, any
 * case), `date` (ISO-8601 date or date-time: `2012-01-01`, `2012-01-01T10:00`,
 * seconds, fractions and a zone optional) or `string`. A column's type is the join
 * of its cells' kinds: integer + number → number; any other mix → string.
 */

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOLEAN = /^(?:true|false)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** A typed cell: numbers for `integer`/`number`, booleans, text for `date`/`string`, null for empty. */
export type CellValue = string | number | boolean | null;

/** @returns whether a cell reads as null (empty or only whitespace) */
export function isNullCell(text: string): boolean {
  return text.length === 0 || text.trim().length === 0;
}

/**
 * @param text a trimmed, non-empty cell
 * @returns whether it is an ISO-8601 date or date-time with a real calendar day and time
 */
export function isIsoDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || (m[6] !== undefined && Number(m[6]) > 59))) return false;
  return true;
}

/**
 * @param text a cell's text
 * @returns its kind, or null when the cell is null
 */
export function cellKind(text: string): ColumnType | null {
  const t = text.trim();
  if (t.length === 0) return null;
  if (INTEGER.test(t)) return Number.isSafeInteger(Number(t)) ? 'integer' : 'number';
  if (NUMBER.test(t)) return Number.isFinite(Number(t)) ? 'number' : 'string';
  if (BOOLEAN.test(t)) return 'boolean';
  if (isIsoDate(t)) return 'date';
  return 'string';
}

/**
 * Join of two column types (null: no value seen yet).
 * @returns integer ∨ number = number; equal types stay; any other pair is string
 */
export function joinTypes(a: ColumnType | null, b: ColumnType | null): ColumnType | null {
  if (a === null) return b;
  if (b === null || a === b) return a;
  if ((a === 'integer' && b === 'number') || (a === 'number' && b === 'integer')) return 'number';
  return 'string';
}

/**
 * Reads a cell as a type (the column's inferred type, or a `transform.cast` target).
 * @param type target type
 * @param text the cell's text
 * @returns the typed value; null when the cell is null or does not parse as `type`
 *   (e.g. `"12.5"` as `integer`)
 */
export function parseCell(type: ColumnType, text: string): CellValue {
  if (isNullCell(text)) return null;
  if (type === 'string') return text;
  const t = text.trim();
  switch (type) {
    case 'integer': {
      if (!INTEGER.test(t)) return null;
      const n = Number(t);
      return Number.isSafeInteger(n) ? n : null;
    }
    case 'number': {
      if (!NUMBER.test(t)) return null;
      const n = Number(t);
      return Number.isFinite(n) ? n : null;
    }
    case 'boolean':
      return BOOLEAN.test(t) ? t.toLowerCase() === 'true' : null;
    case 'date':
      return isIsoDate(t) ? t : null;
  }
}

/**
 * Infers column types and counts nulls while rows stream by (the gateway, at
 * upload; bot-runtime, for inline `csv`). Memory is O(columns).
 */
export class ColumnProfiler {
  private readonly types: (ColumnType | null)[];
  private readonly nulls: number[];

  /** @param header column names in file order */
  constructor(private readonly header: readonly string[]) {
    this.types = header.map(() => null);
    this.nulls = header.map(() => 0);
  }

  /** @param row cell texts, as wide as the header */
  observe(row: readonly string[]): void {
    for (let i = 0; i < this.header.length; i++) {
      const kind = cellKind(row[i] ?? '');
      if (kind === null) this.nulls[i]++;
      else if (this.types[i] !== kind && this.types[i] !== 'string') this.types[i] = joinTypes(this.types[i], kind);
    }
  }

  /** @returns `[{ name, type, nulls }]`; a column with no value at all is `string` */
  columns(): DatasetColumn[] {
    return this.header.map((name, i) => ({ name, type: this.types[i] ?? 'string', nulls: this.nulls[i] }));
  }
}
