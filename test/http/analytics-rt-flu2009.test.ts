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
import { addDays, compareWithEpiEstim, type Estimate, incidenceLineList } from '../helpers/epiestim-table.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const LAST_DATE = addDays(FLU2009_FIRST_DATE, FLU2009_INCIDENCE.length - 1);

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
      payload: incidenceLineList(FLU2009_INCIDENCE, FLU2009_FIRST_DATE, 'flu2009'),
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
    compareWithEpiEstim(body.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, FLU2009_FIRST_DATE, 1e-6);
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
    compareWithEpiEstim(body.estimates, EPIESTIM_SNAPSHOT_NON_PARAMETRIC, FLU2009_FIRST_DATE, 1e-6);
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
    compareWithEpiEstim(body.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, FLU2009_FIRST_DATE, 1e-6);
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
