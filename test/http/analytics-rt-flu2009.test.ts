/**
 * EpiEstim's documented examples over HTTP: the Flu2009 incidence imported as a line list (one case per count,
 * onset and report on the same day, from 2009-04-27), then GET /analytics/rt must reproduce EpiEstim's own
 * published output of estimate_R to 1e-6 relative, with the parametric (mean 2.6, sd 1.5) and the empirical
 * (Flu2009$si_distr) serial interval.
 *
 * The expected tables are EpiEstim's test snapshot (tests/testthat/_snaps/estimate_R.md of mrc-ide/EpiEstim, 7
 * significant digits, so rounding error <= 5e-7), the same numbers test/unit/rt.test.ts checks the pure function
 * against (copied from there; see its header for their provenance).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EPIESTIM_SNAPSHOT_NON_PARAMETRIC,
  EPIESTIM_SNAPSHOT_PARAMETRIC,
  FLU2009_FIRST_DATE,
  FLU2009_INCIDENCE,
  FLU2009_SI_DISTR,
} from '../fixtures/flu2009.js';
import { createStaff, expectProblem, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

type Row = readonly [number, number, number, number, number, number, number, number, number, number, number];

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

interface Estimate {
  t_start: number;
  t_end: number;
  start_date: string;
  end_date: string;
  [field: string]: number | string;
}

const addDays = (day: string, n: number) =>
  new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const LAST_DATE = addDays(FLU2009_FIRST_DATE, FLU2009_INCIDENCE.length - 1);

function expectTable(estimates: readonly Estimate[], table: readonly Row[], relTol: number): void {
  expect(estimates.map((e) => [e.t_start, e.t_end])).toEqual(table.map((r) => [r[0], r[1]]));
  table.forEach((row, i) => {
    const est = estimates[i]!;
    expect(est.start_date).toBe(addDays(FLU2009_FIRST_DATE, row[0] - 1));
    expect(est.end_date).toBe(addDays(FLU2009_FIRST_DATE, row[1] - 1));
    FIELDS.forEach((field, j) => {
      const expected = row[j + 2]!;
      const actual = est[field] as number;
      const error = Math.abs(actual - expected) / Math.abs(expected);
      if (!(error <= relTol))
        throw new Error(
          `window ${row[0]}-${row[1]} ${field}: got ${actual}, expected ${expected} (relative error ${error})`,
        );
    });
  });
}

/** The Flu2009 incidence as a CSV line list: one row per case, onset and report on the day counted. */
function flu2009LineList(): string {
  const lines = ['external_id,onset_date,report_date'];
  FLU2009_INCIDENCE.forEach((count, day) => {
    for (let k = 0; k < count; k++)
      lines.push(`flu2009-${day + 1}-${k + 1},${addDays(FLU2009_FIRST_DATE, day)},${addDays(FLU2009_FIRST_DATE, day)}`);
  });
  return `${lines.join('\n')}\n`;
}

describe.each(testDialects())('Rt over HTTP reproduces EpiEstim on Flu2009 (%s)', (dialect) => {
  let t: TestApp;
  let authority: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
    authority = await createStaff(t, 'authority');
    const imported = await t.app.inject({
      method: 'POST',
      url: '/cases/import',
      headers: { ...authority.auth, 'content-type': 'text/csv' },
      payload: flu2009LineList(),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({
      imported: 129,
      created: 129,
      updated: 0,
      first_report_date: FLU2009_FIRST_DATE,
      last_report_date: addDays(FLU2009_FIRST_DATE, 30),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const rt = (query: string) =>
    t.app.inject({
      method: 'GET',
      url: `/analytics/rt?from=${FLU2009_FIRST_DATE}&to=${LAST_DATE}&${query}`,
      headers: authority.auth,
    });

  it('the imported cases make up the Flu2009 incidence, by onset and by report date', async () => {
    for (const dates of ['onset', 'report']) {
      const response = await rt(`si_mean=2.6&si_sd=1.5&dates=${dates}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        from: FLU2009_FIRST_DATE,
        to: LAST_DATE,
        dates,
        window: 7,
        incidence: [...FLU2009_INCIDENCE],
        cases_without_onset: 0,
      });
    }
  });

  it('parametric_si (si_mean=2.6, si_sd=1.5) agrees with EpiEstim estimate_R to 1e-6 relative', async () => {
    const response = await rt('si_mean=2.6&si_sd=1.5');
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ method: string; estimates: Estimate[]; warnings: string[] }>();
    expect(body.method).toBe('parametric_si');
    expect(body.estimates).toHaveLength(25);
    expectTable(body.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, 1e-6);
    expect(body.warnings).toEqual([]);
  });

  it('non_parametric_si (si_distr = Flu2009$si_distr) agrees with EpiEstim estimate_R to 1e-6 relative', async () => {
    const response = await rt(`si_distr=${FLU2009_SI_DISTR.join(',')}&window=7`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{
      method: string;
      serial_interval: { mean: number; sd: number };
      estimates: Estimate[];
    }>();
    expect(body.method).toBe('non_parametric_si');
    // EpiEstim's SI.Moments for Flu2009$si_distr: mean 2.596 days.
    expect(body.serial_interval.mean).toBeCloseTo(2.596, 12);
    expectTable(body.estimates, EPIESTIM_SNAPSHOT_NON_PARAMETRIC, 1e-6);
  });

  it('`from` defaults to the first case; a series longer than 3660 days is refused with a hint', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: `/analytics/rt?to=${LAST_DATE}&si_mean=2.6&si_sd=1.5`,
      headers: authority.auth,
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ from: string; estimates: Estimate[] }>();
    expect(body.from).toBe(FLU2009_FIRST_DATE);
    expectTable(body.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, 1e-6);
    // Up to today, the 2009 outbreak is more than ten years away.
    const tooLong = await t.app.inject({
      method: 'GET',
      url: '/analytics/rt?si_mean=2.6&si_sd=1.5',
      headers: authority.auth,
    });
    expect(expectProblem(tooLong, 400).detail).toMatch(
      /^the series from 2009-04-27 to \d{4}-\d{2}-\d{2} is longer than 3660 days; pass a later from$/,
    );
  });

  it('an empirical serial interval that is not a distribution is a 400 problem', async () => {
    expect(expectProblem(await rt('si_distr=0,0.5,0.4'), 400).detail).toMatch(/must sum to 1/);
    expect(expectProblem(await rt('si_distr=0.1,0.5,0.4'), 400).detail).toMatch(/must be 0/);
  });
});
