import { expect } from 'vitest';
import type { EpiEstimRow } from '../fixtures/flu2009.js';

/** The fields of an Rt window, in the order EpiEstim prints them after t_start and t_end. */
const FIELDS = [
  'mean',
  'std',
  'quantile_0_025',
  'quantile_0_05',
  'quantile_0_25',
  'quantile_0_5',
  'quantile_0_75',
  'quantile_0_95',
  'quantile_0_975',
] as const;

/** One window of GET /analytics/rt. */
export interface Estimate {
  t_start: number;
  t_end: number;
  start_date: string;
  end_date: string;
  [field: string]: number | string;
}

export const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);

/**
 * Checks GET /analytics/rt's windows against an EpiEstim table: the same windows, dated from `firstDate` (day 1),
 * and every field within `relTol` relative. Returns the largest relative difference found.
 */
export function compareWithEpiEstim(
  estimates: readonly Estimate[],
  table: readonly EpiEstimRow[],
  firstDate: string,
  relTol: number,
): number {
  expect(estimates.map((e) => [e.t_start, e.t_end])).toEqual(table.map((r) => [r[0], r[1]]));
  let worst = 0;
  table.forEach((row, i) => {
    const est = estimates[i]!;
    expect(est.start_date).toBe(addDays(firstDate, row[0] - 1));
    expect(est.end_date).toBe(addDays(firstDate, row[1] - 1));
    FIELDS.forEach((field, j) => {
      const expected = row[j + 2]!;
      const actual = est[field] as number;
      const error = Math.abs(actual - expected) / Math.abs(expected);
      if (!(error <= relTol)) {
        throw new Error(
          `window ${row[0]}-${row[1]} ${field}: got ${actual}, expected ${expected} (relative error ${error})`,
        );
      }
      worst = Math.max(worst, error);
    });
  });
  return worst;
}

/** Daily incidence as a CSV line list: one row per case, onset and report on the day counted. */
export function incidenceLineList(incidence: readonly number[], firstDate: string, idPrefix: string): string {
  const lines = ['external_id,onset_date,report_date'];
  incidence.forEach((count, day) => {
    const date = addDays(firstDate, day);
    for (let k = 0; k < count; k++) lines.push(`${idPrefix}-${day + 1}-${k + 1},${date},${date}`);
  });
  return `${lines.join('\n')}\n`;
}
