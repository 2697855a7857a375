/**
 * Rules of a line-list import (pure, no I/O): what a row must hold, checked the same way whether it came from a
 * JSON body (typed values) or a CSV file (text, an empty field being a missing value). Every row is checked and
 * every problem reported, so a department can fix its file in one go.
 */
import { EXTERNAL_ID_PATTERN } from '../../contracts/analytics.js';
import { isValidDay } from '../../platform/time/calendar.js';

export const LINE_LIST_FIELDS = [
  'external_id',
  'report_date',
  'onset_date',
  'lat',
  'lng',
  'infector_external_id',
] as const;
export type LineListField = (typeof LINE_LIST_FIELDS)[number];
export const REQUIRED_FIELDS: readonly LineListField[] = ['external_id', 'report_date'];

/** Dates before this are refused as typing mistakes (a line list of historical cases is still accepted). */
export const EARLIEST_LINE_LIST_DATE = '1900-01-01';

export interface LineListCase {
  readonly external_id: string;
  readonly report_date: string;
  readonly onset_date: string | null;
  readonly lat: number | null;
  readonly lng: number | null;
  readonly infector_external_id: string | null;
}

export interface FieldProblem {
  /** The field at fault, or null for the row as a whole. */
  readonly field: string | null;
  readonly message: string;
}

export interface RowProblem extends FieldProblem {
  /** Index of the row in the list (0-based). */
  readonly index: number;
}

export type RowSource = 'json' | 'csv';

const EXTERNAL_ID = new RegExp(EXTERNAL_ID_PATTERN);
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function describe(value: unknown): string {
  return typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    : String(value);
}

/**
 * Checks one row against the import rules and returns the case it describes, or every problem found.
 * `today` is the deployment's current calendar day (no date may be later).
 */
export function checkRow(
  raw: Readonly<Record<string, unknown>>,
  source: RowSource,
  today: string,
): { value: LineListCase | null; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const problem = (field: string | null, message: string) => problems.push({ field, message });
  for (const key of Object.keys(raw)) {
    if (!(LINE_LIST_FIELDS as readonly string[]).includes(key))
      problem(key, `is not a line-list field (expected ${LINE_LIST_FIELDS.join(', ')})`);
  }
  /** The value of a field, null when missing (absent, null, or an empty CSV field). */
  const present = (field: LineListField): unknown => {
    const value = raw[field];
    if (value === undefined || value === null || (source === 'csv' && value === '')) return null;
    return value;
  };
  const text = (field: LineListField, required: boolean): string | null => {
    const value = present(field);
    if (value === null) {
      if (required) problem(field, 'is required');
      return null;
    }
    if (typeof value !== 'string') {
      problem(field, 'must be a string');
      return null;
    }
    return value;
  };
  const id = (field: 'external_id' | 'infector_external_id', required: boolean): string | null => {
    const value = text(field, required);
    if (value !== null && !EXTERNAL_ID.test(value)) {
      problem(field, 'must be 1 to 100 printable ASCII characters, without leading or trailing spaces');
      return null;
    }
    return value;
  };
  const day = (field: 'report_date' | 'onset_date', required: boolean): string | null => {
    const value = text(field, required);
    if (value === null) return null;
    if (!isValidDay(value)) problem(field, `must be a calendar date written YYYY-MM-DD, got ${describe(value)}`);
    else if (value < EARLIEST_LINE_LIST_DATE) problem(field, `may not be before ${EARLIEST_LINE_LIST_DATE}`);
    else if (value > today) problem(field, `may not be in the future (today is ${today})`);
    else return value;
    return null;
  };
  const coordinate = (field: 'lat' | 'lng', limit: number): number | null => {
    const value = present(field);
    if (value === null) return null;
    let n: number;
    if (source === 'csv' && typeof value === 'string') n = NUMBER.test(value) ? Number(value) : Number.NaN;
    else if (typeof value === 'number') n = value;
    else {
      problem(field, 'must be a number');
      return null;
    }
    if (!Number.isFinite(n) || n < -limit || n > limit) {
      problem(field, `must be a number from -${limit} to ${limit}, got ${describe(value)}`);
      return null;
    }
    return n;
  };

  const externalId = id('external_id', true);
  const reportDate = day('report_date', true);
  const onsetDate = day('onset_date', false);
  const lat = coordinate('lat', 90);
  const lng = coordinate('lng', 180);
  const infector = id('infector_external_id', false);
  if (onsetDate !== null && reportDate !== null && onsetDate > reportDate)
    problem('onset_date', `may not be after report_date (${reportDate})`);
  if ((present('lat') === null) !== (present('lng') === null))
    problem(present('lat') === null ? 'lat' : 'lng', 'lat and lng go together: give both or neither');
  if (infector !== null && infector === externalId) problem('infector_external_id', 'may not be the case itself');
  if (problems.length > 0 || externalId === null || reportDate === null) return { value: null, problems };
  return {
    value: {
      external_id: externalId,
      report_date: reportDate,
      onset_date: onsetDate,
      lat,
      lng,
      infector_external_id: infector,
    },
    problems,
  };
}

/** Checks every row, and that no external_id appears twice in the list (`rowLabel` names a row in messages). */
export function checkRows(
  rows: ReadonlyArray<Readonly<Record<string, unknown>>>,
  source: RowSource,
  today: string,
  rowLabel: (index: number) => string = (index) => `row ${index}`,
): { cases: LineListCase[]; problems: RowProblem[] } {
  const cases: LineListCase[] = [];
  const problems: RowProblem[] = [];
  const firstRow = new Map<string, number>();
  rows.forEach((raw, index) => {
    const { value, problems: found } = checkRow(raw, source, today);
    problems.push(...found.map((p) => ({ ...p, index })));
    if (value === null) return;
    const earlier = firstRow.get(value.external_id);
    if (earlier !== undefined) {
      problems.push({
        index,
        field: 'external_id',
        message: `repeats the external_id of ${rowLabel(earlier)}; each case appears once`,
      });
      return;
    }
    firstRow.set(value.external_id, index);
    cases.push(value);
  });
  return { cases, problems };
}

/**
 * The header of a CSV line list: the columns' fields in order, or the problems with it (unknown or repeated
 * columns, a required column missing). Names are matched without regard to case or surrounding spaces.
 */
export function checkCsvHeader(header: readonly string[]): { fields: LineListField[]; problems: string[] } {
  const fields: LineListField[] = [];
  const problems: string[] = [];
  header.forEach((name, i) => {
    const field = name.trim().toLowerCase();
    if (!(LINE_LIST_FIELDS as readonly string[]).includes(field))
      problems.push(
        `column ${i + 1} ${describe(name)} is not a line-list field (expected ${LINE_LIST_FIELDS.join(', ')})`,
      );
    else if (fields.includes(field as LineListField)) problems.push(`column ${describe(name)} appears twice`);
    else fields.push(field as LineListField);
  });
  for (const required of REQUIRED_FIELDS)
    if (!fields.includes(required) && !header.some((h) => h.trim().toLowerCase() === required))
      problems.push(`the header has no ${required} column`);
  return { fields, problems };
}
