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
import { FLU2009_FIRST_DATE, FLU2009_INCIDENCE, FLU2009_SI_DISTR } from '../fixtures/flu2009.js';
import { createStaff, expectProblem, type StaffUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

type Row = readonly [number, number, number, number, number, number, number, number, number, number, number];

/** Example 1: Flu2009, non_parametric_si with Flu2009$si_distr, weekly windows 2-8 ... 26-32. */
const EPIESTIM_SNAPSHOT_NON_PARAMETRIC: readonly Row[] = [
  [2, 8, 1.7356089, 0.40908694, 1.02863184, 1.1218113, 1.4450409, 1.7035760, 1.9913034, 2.4587051, 2.6244959],
  [3, 9, 1.7490494, 0.36470202, 1.10874730, 1.1953991, 1.4912437, 1.7237672, 1.9793230, 2.3889590, 2.5329479],
  [4, 10, 1.5370427, 0.30740855, 0.99469301, 1.0686828, 1.3200764, 1.5165981, 1.7317432, 2.0751554, 2.1955178],
  [5, 11, 1.4316392, 0.27055438, 0.95131387, 1.0175191, 1.2410779, 1.4146324, 1.6036767, 1.9037817, 2.0085685],
  [6, 12, 1.4223487, 0.25143809, 0.97288543, 1.0355344, 1.2456665, 1.4075603, 1.5829216, 1.8596155, 1.9558194],
  [7, 13, 1.6349410, 0.25227688, 1.17832168, 1.2432610, 1.4584617, 1.6219838, 1.7973033, 2.0708249, 2.1651730],
  [8, 14, 1.6636221, 0.23295369, 1.23867595, 1.2998676, 1.5011409, 1.6527615, 1.8142694, 2.0644270, 2.1502729],
  [9, 15, 1.6156800, 0.20686663, 1.23586721, 1.2911239, 1.4717611, 1.6068598, 1.7499876, 1.9703253, 2.0456070],
  [10, 16, 1.4340033, 0.17651360, 1.10905802, 1.1565305, 1.3113322, 1.4267674, 1.5487891, 1.7361602, 1.8000616],
  [11, 17, 1.4083724, 0.16155139, 1.10963727, 1.1535884, 1.2963053, 1.4022002, 1.5137131, 1.6842118, 1.7421780],
  [12, 18, 1.2477516, 0.14219449, 0.98470606, 1.0234305, 1.1491285, 1.2423543, 1.3404928, 1.4904848, 1.5414648],
  [13, 19, 1.0819346, 0.12577234, 0.84955138, 0.8836967, 0.9946576, 1.0770650, 1.1639048, 1.2967845, 1.3419870],
  [14, 20, 0.9369319, 0.11446445, 0.72610935, 0.7569332, 0.8573989, 0.9322747, 1.0113898, 1.1328180, 1.1742159],
  [15, 21, 0.8194289, 0.10759629, 0.62222675, 0.6508368, 0.7445208, 0.8147244, 0.8892107, 1.0040700, 1.0433607],
  [16, 22, 0.6908048, 0.10185361, 0.50575593, 0.5322318, 0.6196538, 0.6858055, 0.7565087, 0.8664328, 0.9042566],
  [17, 23, 0.5894141, 0.09962917, 0.41054853, 0.4356552, 0.5195124, 0.5838103, 0.6532111, 0.7622912, 0.8001144],
  [18, 24, 0.4989223, 0.09978447, 0.32287622, 0.3468932, 0.4284953, 0.4922860, 0.5621219, 0.6735931, 0.7126626],
  [19, 25, 0.4726133, 0.10842493, 0.28454408, 0.3094859, 0.3956839, 0.4643482, 0.5405441, 0.6639414, 0.7076205],
  [20, 26, 0.4173489, 0.11575175, 0.22222070, 0.2468644, 0.3345762, 0.4066978, 0.4885320, 0.6241796, 0.6729457],
  [21, 27, 0.2976950, 0.11251813, 0.11968883, 0.1397174, 0.2161545, 0.2836454, 0.3639732, 0.5036317, 0.5553914],
  [22, 28, 0.2400240, 0.12001200, 0.06539846, 0.0819873, 0.1521344, 0.2203457, 0.3065963, 0.4652659, 0.5260890],
  [23, 29, 0.4577916, 0.20473063, 0.14864369, 0.1803836, 0.3084234, 0.4276606, 0.5744764, 0.8380808, 0.9377027],
  [24, 30, 0.6754931, 0.30208970, 0.21933077, 0.2661645, 0.4550933, 0.6310334, 0.8476669, 1.2366278, 1.3836245],
  [25, 31, 0.8634087, 0.38612813, 0.28034647, 0.3402089, 0.5816958, 0.8065807, 1.0834797, 1.5806457, 1.7685354],
  [26, 32, 1.0040161, 0.44900963, 0.32600128, 0.3956124, 0.6764258, 0.9379335, 1.2599258, 1.8380560, 2.0565439],
];

/** Example 3: Flu2009, parametric_si with mean_si = 2.6, std_si = 1.5, weekly windows 2-8 ... 26-32. */
const EPIESTIM_SNAPSHOT_PARAMETRIC: readonly Row[] = [
  [2, 8, 1.7357977, 0.40913143, 1.02874370, 1.12193325, 1.4451981, 1.7037612, 1.9915200, 2.4589724, 2.6247813],
  [3, 9, 1.7491678, 0.36472669, 1.10882231, 1.19547993, 1.4913446, 1.7238839, 1.9794569, 2.3891206, 2.5331192],
  [4, 10, 1.5370581, 0.30741163, 0.99470299, 1.06869352, 1.3200896, 1.5166133, 1.7317605, 2.0751763, 2.1955399],
  [5, 11, 1.4318389, 0.27059213, 0.95144658, 1.01766106, 1.2412511, 1.4148298, 1.6039005, 1.9040473, 2.0088487],
  [6, 12, 1.4227247, 0.25150457, 0.97314263, 1.03580815, 1.2459958, 1.4079324, 1.5833401, 1.8601072, 1.9563365],
  [7, 13, 1.6353733, 0.25234358, 1.17863324, 1.24358968, 1.4588473, 1.6224126, 1.7977785, 2.0713724, 2.1657455],
  [8, 14, 1.6639845, 0.23300443, 1.23894574, 1.30015068, 1.5014679, 1.6531215, 1.8146646, 2.0648767, 2.1507413],
  [9, 15, 1.6161467, 0.20692639, 1.23622420, 1.29149686, 1.4721862, 1.6073240, 1.7504931, 1.9708944, 2.0461979],
  [10, 16, 1.4344239, 0.17656537, 1.10938331, 1.15686977, 1.3117168, 1.4271858, 1.5492434, 1.7366694, 1.8005896],
  [11, 17, 1.4087217, 0.16159146, 1.10991245, 1.15387452, 1.2966267, 1.4025479, 1.5140885, 1.6846295, 1.7426100],
  [12, 18, 1.2479472, 0.14221678, 0.98486038, 1.02359091, 1.1493086, 1.2425490, 1.3407028, 1.4907183, 1.5417063],
  [13, 19, 1.0821477, 0.12579711, 0.84971868, 0.88387071, 0.9948535, 1.0772771, 1.1641340, 1.2970399, 1.3422512],
  [14, 20, 0.9371671, 0.11449319, 0.72629165, 0.75712322, 0.8576141, 0.9325088, 1.0116437, 1.1331024, 1.1745108],
  [15, 21, 0.8196564, 0.10762616, 0.62239946, 0.65101748, 0.7447274, 0.8149506, 0.8894575, 1.0043487, 1.0436503],
  [16, 22, 0.6910352, 0.10188759, 0.50592464, 0.53240938, 0.6198605, 0.6860342, 0.7567610, 0.8667218, 0.9045582],
  [17, 23, 0.5896765, 0.09967353, 0.41073132, 0.43584912, 0.5197437, 0.5840702, 0.6535019, 0.7626306, 0.8004706],
  [18, 24, 0.4992206, 0.09984413, 0.32306927, 0.34710064, 0.4287515, 0.4925804, 0.5624580, 0.6739958, 0.7130887],
  [19, 25, 0.4729631, 0.10850519, 0.28475471, 0.30971499, 0.3959768, 0.4646919, 0.5409442, 0.6644328, 0.7081443],
  [20, 26, 0.4176319, 0.11583024, 0.22237137, 0.24703176, 0.3348031, 0.4069735, 0.4888632, 0.6246028, 0.6734020],
  [21, 27, 0.2978682, 0.11258359, 0.11975846, 0.13979872, 0.2162803, 0.2838104, 0.3641850, 0.5039247, 0.5557145],
  [22, 28, 0.2400880, 0.12004401, 0.06541591, 0.08200917, 0.1521750, 0.2204045, 0.3066781, 0.4653900, 0.5262293],
  [23, 29, 0.4573477, 0.20453212, 0.14849956, 0.18020868, 0.3081243, 0.4272459, 0.5739193, 0.8372682, 0.9367934],
  [24, 30, 0.6734382, 0.30117074, 0.21866356, 0.26535481, 0.4537089, 0.6291137, 0.8450883, 1.2328660, 1.3794155],
  [25, 31, 0.8591897, 0.38424130, 0.27897655, 0.33854643, 0.5788533, 0.8026393, 1.0781852, 1.5729218, 1.7598935],
  [26, 32, 0.9975352, 0.44611130, 0.32389696, 0.39305871, 0.6720595, 0.9318792, 1.2517931, 1.8261915, 2.0432690],
];


const FIELDS = ['mean', 'std', 'quantile_0_025', 'quantile_0_05', 'quantile_0_25', 'quantile_0_5', 'quantile_0_75', 'quantile_0_95', 'quantile_0_975'] as const;

interface Estimate {
  t_start: number;
  t_end: number;
  start_date: string;
  end_date: string;
  [field: string]: number | string;
}

const addDays = (day: string, n: number) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
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
      if (!(error <= relTol)) throw new Error(`window ${row[0]}-${row[1]} ${field}: got ${actual}, expected ${expected} (relative error ${error})`);
    });
  });
}

/** The Flu2009 incidence as a CSV line list: one row per case, onset and report on the day counted. */
function flu2009LineList(): string {
  const lines = ['external_id,onset_date,report_date'];
  FLU2009_INCIDENCE.forEach((count, day) => {
    for (let k = 0; k < count; k++) lines.push(`flu2009-${day + 1}-${k + 1},${addDays(FLU2009_FIRST_DATE, day)},${addDays(FLU2009_FIRST_DATE, day)}`);
  });
  return `${lines.join('\n')}\n`;
}

describe.each(testDialects())('Rt over HTTP reproduces EpiEstim on Flu2009 (%s)', (dialect) => {
  let t: TestApp;
  let authority: StaffUser;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { RATE_LIMIT_MAX: '100000' });
    authority = await createStaff(t, 'authority');
    const imported = await t.app.inject({ method: 'POST', url: '/cases/import', headers: { ...authority.auth, 'content-type': 'text/csv' }, payload: flu2009LineList() });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({ imported: 129, created: 129, updated: 0, first_report_date: FLU2009_FIRST_DATE, last_report_date: addDays(FLU2009_FIRST_DATE, 30) });
  });
  afterAll(async () => {
    await t?.close();
  });

  const rt = (query: string) => t.app.inject({ method: 'GET', url: `/analytics/rt?from=${FLU2009_FIRST_DATE}&to=${LAST_DATE}&${query}`, headers: authority.auth });

  it('the imported cases make up the Flu2009 incidence, by onset and by report date', async () => {
    for (const dates of ['onset', 'report']) {
      const response = await rt(`si_mean=2.6&si_sd=1.5&dates=${dates}`);
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ from: FLU2009_FIRST_DATE, to: LAST_DATE, dates, window: 7, incidence: [...FLU2009_INCIDENCE], cases_without_onset: 0 });
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
    const body = response.json<{ method: string; serial_interval: { mean: number; sd: number }; estimates: Estimate[] }>();
    expect(body.method).toBe('non_parametric_si');
    // EpiEstim's SI.Moments for Flu2009$si_distr: mean 2.596 days.
    expect(body.serial_interval.mean).toBeCloseTo(2.596, 12);
    expectTable(body.estimates, EPIESTIM_SNAPSHOT_NON_PARAMETRIC, 1e-6);
  });

  it('`from` defaults to the first case; a series longer than 3660 days is refused with a hint', async () => {
    const response = await t.app.inject({ method: 'GET', url: `/analytics/rt?to=${LAST_DATE}&si_mean=2.6&si_sd=1.5`, headers: authority.auth });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<{ from: string; estimates: Estimate[] }>();
    expect(body.from).toBe(FLU2009_FIRST_DATE);
    expectTable(body.estimates, EPIESTIM_SNAPSHOT_PARAMETRIC, 1e-6);
    // Up to today, the 2009 outbreak is more than ten years away.
    const tooLong = await t.app.inject({ method: 'GET', url: '/analytics/rt?si_mean=2.6&si_sd=1.5', headers: authority.auth });
    expect(expectProblem(tooLong, 400).detail).toMatch(/^the series from 2009-04-27 to \d{4}-\d{2}-\d{2} is longer than 3660 days; pass a later from$/);
  });

  it('an empirical serial interval that is not a distribution is a 400 problem', async () => {
    expect(expectProblem(await rt('si_distr=0,0.5,0.4'), 400).detail).toMatch(/must sum to 1/);
    expect(expectProblem(await rt('si_distr=0.1,0.5,0.4'), 400).detail).toMatch(/must be 0/);
  });
});
