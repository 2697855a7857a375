/**
 * EpiEstim on a larger outbreak over HTTP: the Flu1918 (Baltimore) incidence, 6202 cases in 92 days, imported as a
 * line list (one case per count, onset and report on the same day), then GET /analytics/rt with the empirical serial
 * interval Flu1918$si_distr must reproduce EpiEstim's own estimate_R output to 1e-6 relative, every quantile
 * included. Its weekly windows hold up to 1,857 local cases (posterior shapes up to 1,858), where the gamma quantile
 * Epitrace used before was off by up to 2.3e-3 (issue 18).
 *
 * The expected table and its provenance: test/fixtures/flu1918.ts (EpiEstim's estimate_R run by
 * test/fixtures/flu1918-epiestim.R, 17 significant digits).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EPIESTIM_FLU1918_NON_PARAMETRIC,
  FLU1918_FIRST_DATE,
  FLU1918_INCIDENCE,
  FLU1918_SI_DISTR,
} from '../fixtures/flu1918.js';
import { createStaff, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { addDays, compareWithEpiEstim, type Estimate, incidenceLineList } from '../helpers/epiestim-table.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const LAST_DATE = addDays(FLU1918_FIRST_DATE, FLU1918_INCIDENCE.length - 1);
const TOTAL_CASES = FLU1918_INCIDENCE.reduce((sum, n) => sum + n, 0);
const LAST_CASE_DAY = FLU1918_INCIDENCE.findLastIndex((n) => n > 0);

describe.each(testDialects())('Rt over HTTP reproduces EpiEstim on Flu1918 (%s)', (dialect) => {
  let t: TestApp;
  let authority: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
    authority = await createStaff(t, 'authority');
    const imported = await t.app.inject({
      method: 'POST',
      url: '/cases/import',
      headers: { ...authority.auth, 'content-type': 'text/csv' },
      payload: incidenceLineList(FLU1918_INCIDENCE, FLU1918_FIRST_DATE, 'flu1918'),
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({
      imported: TOTAL_CASES,
      created: TOTAL_CASES,
      updated: 0,
      first_report_date: FLU1918_FIRST_DATE,
      last_report_date: addDays(FLU1918_FIRST_DATE, LAST_CASE_DAY),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  const rt = (query: string) =>
    t.app.inject({
      method: 'GET',
      url: `/analytics/rt?from=${FLU1918_FIRST_DATE}&to=${LAST_DATE}&${query}`,
      headers: authority.auth,
    });

  it('non_parametric_si (si_distr = Flu1918$si_distr) agrees with EpiEstim estimate_R to 1e-6 relative', async () => {
    const response = await rt(`si_distr=${FLU1918_SI_DISTR.join(',')}`);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{
      method: string;
      window: number;
      incidence: number[];
      serial_interval: { mean: number };
      estimates: Estimate[];
      warnings: string[];
    }>();
    expect(body.method).toBe('non_parametric_si');
    expect(body.window).toBe(7);
    expect(body.incidence).toEqual([...FLU1918_INCIDENCE]);
    // EpiEstim's SI.Moments for Flu1918$si_distr: mean 2.596 days.
    expect(body.serial_interval.mean).toBeCloseTo(2.596, 12);
    expect(body.estimates).toHaveLength(85);
    expect(
      compareWithEpiEstim(body.estimates, EPIESTIM_FLU1918_NON_PARAMETRIC, FLU1918_FIRST_DATE, 1e-6),
    ).toBeLessThanOrEqual(1e-6);
    expect(body.warnings).toEqual([]);
  });
});
