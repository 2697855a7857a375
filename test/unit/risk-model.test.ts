import { describe, expect, it } from 'vitest';
import { EARTH_RADIUS_METERS, haversineMeters, type LatLng } from '../../src/platform/geo/haversine.js';
import {
  DEFAULT_RISK_MODEL,
  RiskModelConfigError,
  aggregateDailyTiers,
  compareTiers,
  infectiousWindow,
  infectiousnessWeight,
  proximityWeight,
  resolveRiskModelConfig,
  riskLevel,
  riskModelConfigIssues,
  roundHalfUp,
  scoreEpisode,
  tierFor,
  tierRose,
  validateRiskModelConfig,
  withinGpsRadius,
  type ContactEpisode,
  type ExposedPersonEpisode,
  type ReportType,
  type RiskModelConfig,
  type SourceCase,
  type TimeInterval,
} from '../../src/modules/tracing/risk-model.js';

const MINUTE = 60_000;
const ONSET = '2024-03-14';

const at = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const span = (startIso: string, minutes: number): TimeInterval => ({
  startMs: at(startIso),
  endMs: at(startIso) + minutes * MINUTE,
});
const source = (reportType: ReportType, onsetDay: string | null = ONSET, reportDay = '2024-03-16'): SourceCase => ({
  onsetDay,
  reportDay,
  reportType,
});
const proximity = (src: SourceCase, startIso: string, minutes: number, attenuationDb: number): ContactEpisode => ({
  kind: 'proximity',
  source: src,
  interval: span(startIso, minutes),
  attenuationDb,
});
const venue = (src: SourceCase, exposedStay: TimeInterval, sourceStay: TimeInterval): ContactEpisode => ({
  kind: 'venue',
  source: src,
  exposedStay,
  sourceStay,
});
const gps = (
  src: SourceCase,
  exposed: LatLng,
  exposedStay: TimeInterval,
  sourcePoint: LatLng,
  sourceStay: TimeInterval,
): ContactEpisode => ({
  kind: 'gps',
  source: src,
  exposedPresence: { ...exposed, ...exposedStay },
  sourcePresence: { ...sourcePoint, ...sourceStay },
});
// biome-ignore lint/suspicious/noExplicitAny: the tests break the configuration in every way a file could
const mutableDefault = (): Record<string, any> => JSON.parse(JSON.stringify(DEFAULT_RISK_MODEL)) as Record<string, any>;

// Points near Notre-Dame de Paris, on one meridian (lng 2.3499). Along a meridian the haversine distance is
// R · Δφ with R = 6 371 008.8 m:
//   Δlat 0.0000890° → 6 371 008.8 × 0.0000890 × π/180 = 9.8964 m  ("9.9 m": inside the 10 m radius)
//   Δlat 0.0000909° → 6 371 008.8 × 0.0000909 × π/180 = 10.1076 m ("10.1 m": outside)
const NOTRE_DAME: LatLng = { lat: 48.853, lng: 2.3499 };
const AT_9_9_M: LatLng = { lat: 48.853089, lng: 2.3499 };
const AT_10_1_M: LatLng = { lat: 48.8530909, lng: 2.3499 };

describe('DEFAULT_RISK_MODEL (v1)', () => {
  it('holds every number of the brief', () => {
    expect(DEFAULT_RISK_MODEL).toEqual({
      version: 'v1',
      proximity: {
        immediateMaxAttenuationDb: 55,
        nearMaxAttenuationDb: 67,
        mediumMaxAttenuationDb: 75,
        weights: { immediate: 1.75, near: 1.0, medium: 0.33, other: 0 },
      },
      venue: { weight: 1.0, minimumStayMinutes: 10, maximumMinutesPerEpisode: 30 },
      gps: { weight: 0.5, radiusMeters: 10 },
      infectiousness: {
        weights: { high: 1.0, standard: 0.3 },
        highDays: [-2, -1, 0, 1, 2, 3],
        standardDays: [-4, -3, 4, 5],
      },
      infectiousWindow: { fromDaysFromOnset: -4, toDaysFromOnset: 5, unknownOnsetDaysBeforeReport: 4 },
      reportTypeWeights: { confirmed_test: 1.0, clinical_diagnosis: 0.8, self_reported: 0.5 },
      riskLevel: { tauWeightedMinutes: 15 / Math.LN2 },
      tiers: { highMinWeightedMinutes: 15, mediumMinWeightedMinutes: 5 },
    });
    expect(DEFAULT_RISK_MODEL.riskLevel.tauWeightedMinutes).toBeCloseTo(21.640425613334454, 12);
  });

  it('is valid and deeply frozen', () => {
    expect(riskModelConfigIssues(DEFAULT_RISK_MODEL)).toEqual([]);
    expect(Object.isFrozen(DEFAULT_RISK_MODEL)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RISK_MODEL.proximity.weights)).toBe(true);
    expect(Object.isFrozen(DEFAULT_RISK_MODEL.infectiousness.highDays)).toBe(true);
  });
});

describe('configuration validation', () => {
  it('lists every problem with a clear message', () => {
    const config = mutableDefault();
    config.version = '';
    config.proximity.weights.near = -1;
    config.proximity.nearMaxAttenuationDb = 50;
    config.gps = { weight: 0.5, radius: 10 };
    config.infectiousness.highDays = [-2, -1, 0, 1, 2, 3, 6];
    config.infectiousness.standardDays = [-4, -3, 0, 4, 5];
    config.infectiousWindow.fromDaysFromOnset = -4.5;
    config.reportTypeWeights.self_reported = Number.NaN;
    config.riskLevel.tauWeightedMinutes = 0;
    config.tiers.highMinWeightedMinutes = 4;
    config.venue.maximumMinutesPerEpisode = 5;
    config.colour = 'blue';

    const issues = riskModelConfigIssues(config);
    expect(issues).toEqual(
      expect.arrayContaining([
        'colour is not a known setting (expected one of: version, proximity, venue, gps, infectiousness, infectiousWindow, reportTypeWeights, riskLevel, tiers)',
        `version must be 1-32 characters (letters, digits, '.', '_', '-'), such as "v1", got ""`,
        'proximity.immediateMaxAttenuationDb (55) must not exceed proximity.nearMaxAttenuationDb (50)',
        'proximity.weights.near must be a finite number ≥ 0, got -1',
        'venue.maximumMinutesPerEpisode (5) must be at least venue.minimumStayMinutes (10)',
        'gps.radius is not a known setting (expected one of: weight, radiusMeters)',
        'gps.radiusMeters must be a finite number, got undefined',
        'infectiousWindow.fromDaysFromOnset must be a whole number of days, got -4.5',
        'day 0 appears in infectiousness.standardDays and in infectiousness.highDays; list each day once',
        'reportTypeWeights.self_reported must be a finite number, got NaN',
        'riskLevel.tauWeightedMinutes must be a finite number > 0, got 0',
        'tiers.highMinWeightedMinutes (4) must be at least tiers.mediumMinWeightedMinutes (5)',
      ]),
    );
    expect(issues).toHaveLength(12);
  });

  it('rejects infectious days outside the infectious window', () => {
    const config = mutableDefault();
    config.infectiousness.highDays = [-2, -1, 0, 1, 2, 3, 6];
    expect(riskModelConfigIssues(config)).toEqual([
      'infectiousness.highDays contains day 6, outside the infectious window -4..5 (infectiousWindow), so it could never be traced',
    ]);
  });

  it('validateRiskModelConfig throws RiskModelConfigError, or returns a frozen copy', () => {
    const config = mutableDefault();
    config.tiers.mediumMinWeightedMinutes = 0;
    let caught: unknown;
    try {
      validateRiskModelConfig(config);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(RiskModelConfigError);
    expect((caught as RiskModelConfigError).issues).toEqual([
      'tiers.mediumMinWeightedMinutes must be a finite number > 0, got 0',
    ]);
    expect((caught as Error).message).toContain('invalid risk model configuration');

    const valid = mutableDefault();
    valid.version = 'v1-copy';
    const copy = validateRiskModelConfig(valid);
    expect(copy).toEqual(valid);
    expect(copy).not.toBe(valid);
    expect(Object.isFrozen(copy.tiers)).toBe(true);
    expect(() => validateRiskModelConfig('v1')).toThrow('the risk model configuration must be an object, got "v1"');
  });

  it("resolveRiskModelConfig merges a deployment's overrides into v1", () => {
    expect(resolveRiskModelConfig()).toEqual(DEFAULT_RISK_MODEL);
    expect(resolveRiskModelConfig({ version: 'v1' })).toEqual(DEFAULT_RISK_MODEL);

    const paris = resolveRiskModelConfig({
      version: 'paris-2024.1',
      gps: { radiusMeters: 20 },
      tiers: { mediumMinWeightedMinutes: 4 },
      infectiousness: { standardDays: [-4, -3, 4] },
    });
    expect(paris.version).toBe('paris-2024.1');
    expect(paris.gps).toEqual({ weight: 0.5, radiusMeters: 20 });
    expect(paris.tiers).toEqual({ highMinWeightedMinutes: 15, mediumMinWeightedMinutes: 4 });
    expect(paris.infectiousness.standardDays).toEqual([-4, -3, 4]);
    expect(paris.infectiousness.highDays).toEqual([-2, -1, 0, 1, 2, 3]);
    expect(paris.proximity).toEqual(DEFAULT_RISK_MODEL.proximity);
    expect(Object.isFrozen(paris.gps)).toBe(true);
    expect(DEFAULT_RISK_MODEL.gps.radiusMeters).toBe(10);
  });

  it('refuses changed numbers under the same version, and invalid overrides', () => {
    expect(() => resolveRiskModelConfig({ gps: { radiusMeters: 20 } })).toThrow(
      'the overrides change the model but keep version "v1"; set a new version (e.g. "v1-local.1")',
    );
    expect(() => resolveRiskModelConfig({ version: 'v2', venue: { maximumMinutesPerEpisode: 5 } })).toThrow(
      'venue.maximumMinutesPerEpisode (5) must be at least venue.minimumStayMinutes (10)',
    );
  });
});

describe('infectiousWindow', () => {
  it('is onset − 4 .. onset + 5 days', () => {
    expect(infectiousWindow(ONSET, '2024-03-16')).toEqual({
      onsetDay: '2024-03-14',
      onsetEstimated: false,
      fromDay: '2024-03-10',
      toDay: '2024-03-19',
    });
  });

  it('uses report date − 4 days as onset when none is known', () => {
    expect(infectiousWindow(null, '2024-03-18')).toEqual({
      onsetDay: '2024-03-14',
      onsetEstimated: true,
      fromDay: '2024-03-10',
      toDay: '2024-03-19',
    });
    expect(infectiousWindow(null, '2024-03-02').onsetDay).toBe('2024-02-27'); // over the leap day
  });

  it('rejects malformed days', () => {
    expect(() => infectiousWindow('14/03/2024', '2024-03-18')).toThrow(/onsetDay must be a calendar date/);
    expect(() => infectiousWindow(null, '2024-02-30')).toThrow(/reportDay must be a calendar date/);
  });
});

describe('infectiousnessWeight', () => {
  it.each([
    ['2024-03-08', -6, 0, 'none'],
    ['2024-03-09', -5, 0, 'none'],
    ['2024-03-10', -4, 0.3, 'standard'],
    ['2024-03-11', -3, 0.3, 'standard'],
    ['2024-03-12', -2, 1.0, 'high'],
    ['2024-03-13', -1, 1.0, 'high'],
    ['2024-03-14', 0, 1.0, 'high'],
    ['2024-03-17', 3, 1.0, 'high'],
    ['2024-03-18', 4, 0.3, 'standard'],
    ['2024-03-19', 5, 0.3, 'standard'],
    ['2024-03-20', 6, 0, 'none'],
  ] as const)('contact on %s is day %i: weight %d (%s)', (contactDay, daysFromOnset, weight, level) => {
    expect(infectiousnessWeight(contactDay, ONSET)).toEqual({ weight, level, daysFromOnset });
  });

  it('counts days across month ends and DST changes as calendar days', () => {
    expect(infectiousnessWeight('2024-04-01', '2024-03-30')).toEqual({ weight: 1, level: 'high', daysFromOnset: 2 });
    expect(infectiousnessWeight('2024-02-26', '2024-03-01')).toEqual({
      weight: 0.3,
      level: 'standard',
      daysFromOnset: -4,
    });
  });

  it("follows a deployment's table", () => {
    const config = resolveRiskModelConfig({
      version: 'v1-strict',
      infectiousness: { weights: { standard: 0.5 }, standardDays: [-3, 4] },
    });
    expect(infectiousnessWeight('2024-03-10', ONSET, config)).toEqual({ weight: 0, level: 'none', daysFromOnset: -4 });
    expect(infectiousnessWeight('2024-03-11', ONSET, config)).toEqual({
      weight: 0.5,
      level: 'standard',
      daysFromOnset: -3,
    });
  });
});

describe('proximityWeight', () => {
  it.each([
    [0, 1.75, 'immediate'],
    [40, 1.75, 'immediate'],
    [55, 1.75, 'immediate'],
    [55.5, 1.0, 'near'],
    [67, 1.0, 'near'],
    [67.01, 0.33, 'medium'],
    [75, 0.33, 'medium'],
    [75.01, 0, 'other'],
    [120, 0, 'other'],
  ] as const)('%d dB → %d (%s)', (attenuationDb, weight, bucket) => {
    expect(proximityWeight(attenuationDb)).toEqual({ weight, bucket });
  });

  it('rejects non-numbers', () => {
    expect(() => proximityWeight(Number.NaN)).toThrow('attenuationDb must be a finite number, got NaN');
  });
});

describe('riskLevel and rounding', () => {
  it('is 1 − exp(−wm/τ) with 15 weighted minutes ↔ 0.50, two decimals', () => {
    expect(riskLevel(0)).toBe(0);
    expect(riskLevel(1.584)).toBe(0.07); // 0.07058
    expect(riskLevel(7.5)).toBe(0.29); // 1 − 2^−0.5 = 0.29289
    expect(riskLevel(10)).toBe(0.37); // 0.37004
    expect(riskLevel(15)).toBe(0.5);
    expect(riskLevel(30)).toBe(0.75);
    expect(riskLevel(35)).toBe(0.8); // 0.80157
    expect(riskLevel(45)).toBe(0.88); // 0.875 rounds half up
    expect(riskLevel(1000)).toBe(1);
    expect(() => riskLevel(-1)).toThrow('weightedMinutes must be a finite number ≥ 0, got -1');
  });

  it('rounds half up despite binary floating point', () => {
    expect(0.285 * 100).toBe(28.499999999999996); // why a naive Math.round(x * 100) / 100 fails
    expect(roundHalfUp(0.285, 2)).toBe(0.29);
    expect(roundHalfUp(0.145, 2)).toBe(0.15);
    expect(roundHalfUp(1.005, 2)).toBe(1.01);
    expect(roundHalfUp(2.675, 2)).toBe(2.68);
    expect(roundHalfUp(0.125, 2)).toBe(0.13);
    expect(roundHalfUp(0.2849999, 2)).toBe(0.28);
    expect(roundHalfUp(-0.285, 2)).toBe(-0.29);
    expect(roundHalfUp(6.6000000000000005, 6)).toBe(6.6);
  });

  it('rounds every value as reading it to 15 significant digits first would, halves and near-halves included', () => {
    const byString = (value: number, places: number) => {
      const rounded = Math.round(Number((Math.abs(value) * 10 ** places).toPrecision(15))) / 10 ** places;
      return value < 0 && rounded !== 0 ? -rounded : rounded;
    };
    const values: number[] = [];
    for (let k = 0; k < 20_000; k++) {
      const half = (k + 0.5) / 1000; // x.xxx5: the halves of 3-place rounding, as binary floating point stores them
      values.push(
        half,
        half * 7,
        half / 3,
        -half,
        half + 1e-12,
        half - 1e-12,
        k * 0.001 + k * 1e-7,
        Math.sqrt(k) * 13.37,
      );
    }
    let differences = 0;
    for (const value of values)
      for (const places of [0, 2, 3, 6]) if (roundHalfUp(value, places) !== byString(value, places)) differences++;
    expect(differences).toBe(0);
    expect(values.filter((v) => roundHalfUp(v, 3) !== roundHalfUp(v, 2)).length).toBeGreaterThan(10_000);
  });

  it("uses a deployment's τ", () => {
    const config = resolveRiskModelConfig({ version: 'v1-tau30', riskLevel: { tauWeightedMinutes: 30 / Math.LN2 } });
    expect(riskLevel(30, config)).toBe(0.5);
    expect(riskLevel(15, config)).toBe(0.29);
  });
});

describe('tiers', () => {
  it('is high at ≥ 15, medium at ≥ 5, else low', () => {
    expect(tierFor(0)).toBe('low');
    expect(tierFor(4.99)).toBe('low');
    expect(tierFor(5)).toBe('medium');
    expect(tierFor(14.99)).toBe('medium');
    expect(tierFor(15)).toBe('high');
    expect(tierFor(120)).toBe('high');
  });

  it('is not fooled by floating-point sums just below a threshold', () => {
    const sum = 3.3 + 6.6 + 5.1;
    expect(sum).toBe(14.999999999999998);
    expect(tierFor(sum)).toBe('high');
  });

  it('tierRose: notify only when the tier rose to medium or high', () => {
    expect(tierRose(null, 'low')).toBe(false);
    expect(tierRose(undefined, 'medium')).toBe(true);
    expect(tierRose(null, 'high')).toBe(true);
    expect(tierRose('low', 'low')).toBe(false);
    expect(tierRose('low', 'medium')).toBe(true);
    expect(tierRose('low', 'high')).toBe(true);
    expect(tierRose('medium', 'medium')).toBe(false);
    expect(tierRose('medium', 'high')).toBe(true);
    expect(tierRose('high', 'high')).toBe(false);
    expect(tierRose('high', 'medium')).toBe(false);
    expect(tierRose('medium', 'low')).toBe(false);
    expect(compareTiers('low', 'high')).toBeLessThan(0);
    expect(compareTiers('high', 'medium')).toBeGreaterThan(0);
  });
});

describe('haversineMeters and the GPS radius', () => {
  it('measures great-circle distances', () => {
    expect(haversineMeters(NOTRE_DAME, NOTRE_DAME)).toBe(0);
    expect(haversineMeters({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(
      (EARTH_RADIUS_METERS * Math.PI) / 180,
      6,
    ); // 111 195.08 m
    expect(haversineMeters({ lat: 0, lng: 179.5 }, { lat: 0, lng: -179.5 })).toBeCloseTo(111_195.08, 1); // across the antimeridian
    expect(haversineMeters(NOTRE_DAME, AT_9_9_M)).toBeCloseTo(9.8964, 4);
    expect(haversineMeters(NOTRE_DAME, AT_10_1_M)).toBeCloseTo(10.1076, 4);
    expect(haversineMeters(AT_10_1_M, NOTRE_DAME)).toBe(haversineMeters(NOTRE_DAME, AT_10_1_M));
  });

  it('checks the radius inclusively', () => {
    expect(withinGpsRadius(NOTRE_DAME, AT_9_9_M)).toBe(true);
    expect(withinGpsRadius(NOTRE_DAME, AT_10_1_M)).toBe(false);
    const exactly = resolveRiskModelConfig({
      version: 'v1-r',
      gps: { radiusMeters: haversineMeters(NOTRE_DAME, AT_10_1_M) },
    });
    expect(withinGpsRadius(NOTRE_DAME, AT_10_1_M, exactly)).toBe(true);
  });

  it('rejects impossible coordinates', () => {
    expect(() => haversineMeters({ lat: 91, lng: 0 }, NOTRE_DAME)).toThrow(
      'a.lat must be a latitude in −90..90, got 91',
    );
    expect(() => haversineMeters(NOTRE_DAME, { lat: 0, lng: Number.NaN })).toThrow(/b\.lng must be a longitude/);
  });
});

describe('scoreEpisode: GPS co-location', () => {
  const exposedStay = span('2024-03-14T10:00:00Z', 30);
  const sourceStay = span('2024-03-14T09:50:00Z', 40); // overlap 10:00–10:30 = 30 minutes

  it('30 minutes on the onset day after a self-report: 7.5 weighted minutes, medium, risk 0.29', () => {
    const scored = scoreEpisode(gps(source('self_reported'), NOTRE_DAME, exposedStay, NOTRE_DAME, sourceStay));
    expect(scored).toEqual({
      model_version: 'v1',
      kind: 'gps',
      dropped: null,
      minutes: 30,
      overlap_minutes: 30,
      weighted_minutes: 7.5,
      risk_level: 0.29,
      proximity_bucket: 'gps_colocation',
      proximity_weight: 0.5,
      infectiousness_level: 'high',
      infectiousness_weight: 1,
      days_from_onset: 0,
      report_type: 'self_reported',
      report_type_weight: 0.5,
      onset_day: '2024-03-14',
      onset_estimated: false,
      attenuation_db: null,
      distance_meters: 0,
      days: [
        {
          day: '2024-03-14',
          start_ms: at('2024-03-14T10:00:00Z'),
          end_ms: at('2024-03-14T10:30:00Z'),
          minutes: 30,
          days_from_onset: 0,
          infectiousness_level: 'high',
          infectiousness_weight: 1,
          weighted_minutes: 7.5,
        },
      ],
    });
    expect(tierFor(scored.weighted_minutes)).toBe('medium');
  });

  it('the same after a confirmed test: 15 weighted minutes, high, risk 0.50', () => {
    const scored = scoreEpisode(gps(source('confirmed_test'), NOTRE_DAME, exposedStay, NOTRE_DAME, sourceStay));
    expect(scored.weighted_minutes).toBe(15);
    expect(scored.risk_level).toBe(0.5);
    expect(scored.report_type_weight).toBe(1);
    expect(tierFor(scored.weighted_minutes)).toBe('high');
  });

  it('9.9 m apart counts, 10.1 m apart does not', () => {
    const near = scoreEpisode(gps(source('self_reported'), NOTRE_DAME, exposedStay, AT_9_9_M, sourceStay));
    expect(near.dropped).toBeNull();
    expect(near.weighted_minutes).toBe(7.5);
    expect(near.distance_meters).toBeCloseTo(9.8964, 4);

    const far = scoreEpisode(gps(source('self_reported'), NOTRE_DAME, exposedStay, AT_10_1_M, sourceStay));
    expect(far.dropped).toBe('beyond_radius');
    expect(far.minutes).toBe(0);
    expect(far.overlap_minutes).toBe(30);
    expect(far.weighted_minutes).toBe(0);
    expect(far.risk_level).toBe(0);
    expect(far.days).toEqual([]);
    expect(far.distance_meters).toBeCloseTo(10.1076, 4);
  });

  it('a deployment with a 20 m radius counts 10.1 m and records its version', () => {
    const config = resolveRiskModelConfig({ version: 'v1-r20', gps: { radiusMeters: 20 } });
    const scored = scoreEpisode(gps(source('self_reported'), NOTRE_DAME, exposedStay, AT_10_1_M, sourceStay), config);
    expect(scored.weighted_minutes).toBe(7.5);
    expect(scored.model_version).toBe('v1-r20');
  });

  it('presences that do not overlap in time are dropped', () => {
    const later = span('2024-03-14T10:30:00Z', 30);
    expect(scoreEpisode(gps(source('confirmed_test'), NOTRE_DAME, exposedStay, NOTRE_DAME, later)).dropped).toBe(
      'no_overlap',
    );
  });

  it('unknown onset: report date − 4 days is the onset', () => {
    const src = source('confirmed_test', null, '2024-03-18');
    const onOnset = scoreEpisode(gps(src, NOTRE_DAME, exposedStay, NOTRE_DAME, sourceStay));
    expect(onOnset.onset_day).toBe('2024-03-14');
    expect(onOnset.onset_estimated).toBe(true);
    expect(onOnset.days_from_onset).toBe(0);
    expect(onOnset.weighted_minutes).toBe(15);

    const dayMinus4 = scoreEpisode(
      gps(src, NOTRE_DAME, span('2024-03-10T10:00:00Z', 30), NOTRE_DAME, span('2024-03-10T10:00:00Z', 30)),
    );
    expect(dayMinus4.infectiousness_level).toBe('standard');
    expect(dayMinus4.weighted_minutes).toBe(4.5); // 30 × 0.5 × 0.3 × 1.0

    const dayMinus5 = scoreEpisode(
      gps(src, NOTRE_DAME, span('2024-03-09T10:00:00Z', 30), NOTRE_DAME, span('2024-03-09T10:00:00Z', 30)),
    );
    expect(dayMinus5.dropped).toBe('zero_weight');
    expect(dayMinus5.minutes).toBe(30);
    expect(dayMinus5.weighted_minutes).toBe(0);
    expect(dayMinus5.days_from_onset).toBe(-5);
  });
});

describe('scoreEpisode: Bluetooth proximity', () => {
  it('20 minutes at 50 dB on the onset day, confirmed: 20 × 1.75 × 1.0 × 1.0 = 35, risk 0.80', () => {
    const scored = scoreEpisode(proximity(source('confirmed_test'), '2024-03-14T12:00:00Z', 20, 50));
    expect(scored).toMatchObject({
      kind: 'proximity',
      dropped: null,
      minutes: 20,
      weighted_minutes: 35,
      risk_level: 0.8,
      proximity_bucket: 'immediate',
      proximity_weight: 1.75,
      attenuation_db: 50,
      distance_meters: null,
    });
  });

  it('20 minutes at 70 dB on day +4, clinical diagnosis: 20 × 0.33 × 0.3 × 0.8 = 1.584, risk 0.07', () => {
    const scored = scoreEpisode(proximity(source('clinical_diagnosis'), '2024-03-18T12:00:00Z', 20, 70));
    expect(scored).toMatchObject({
      weighted_minutes: 1.584,
      risk_level: 0.07,
      proximity_bucket: 'medium',
      proximity_weight: 0.33,
      infectiousness_level: 'standard',
      infectiousness_weight: 0.3,
      days_from_onset: 4,
      report_type: 'clinical_diagnosis',
      report_type_weight: 0.8,
    });
  });

  it('10 minutes at exactly 55 dB on day −2, self-reported: 10 × 1.75 × 1.0 × 0.5 = 8.75, risk 0.33', () => {
    const scored = scoreEpisode(proximity(source('self_reported'), '2024-03-12T12:00:00Z', 10, 55));
    expect(scored.weighted_minutes).toBe(8.75);
    expect(scored.risk_level).toBe(0.33);
    expect(scored.proximity_bucket).toBe('immediate');
  });

  it('12 minutes at exactly 67 dB on day +3, confirmed: 12 × 1.0 = 12, risk 0.43', () => {
    const scored = scoreEpisode(proximity(source('confirmed_test'), '2024-03-17T12:00:00Z', 12, 67));
    expect(scored.weighted_minutes).toBe(12);
    expect(scored.risk_level).toBe(0.43);
    expect(scored.proximity_bucket).toBe('near');
  });

  it('20 minutes at 70 dB, confirmed, onset day: 6.6 exactly (no floating-point residue)', () => {
    expect(scoreEpisode(proximity(source('confirmed_test'), '2024-03-14T12:00:00Z', 20, 70)).weighted_minutes).toBe(
      6.6,
    );
  });

  it('beyond 75 dB weighs nothing', () => {
    const scored = scoreEpisode(proximity(source('confirmed_test'), '2024-03-14T12:00:00Z', 15, 75.01));
    expect(scored.dropped).toBe('zero_weight');
    expect(scored.proximity_bucket).toBe('other');
    expect(scored.minutes).toBe(15);
    expect(scored.weighted_minutes).toBe(0);
    expect(scored.risk_level).toBe(0);
  });

  it('an encounter of zero duration is dropped', () => {
    expect(scoreEpisode(proximity(source('confirmed_test'), '2024-03-14T12:00:00Z', 0, 50)).dropped).toBe('no_overlap');
  });

  it('an episode over local midnight is split by calendar day (Europe/Paris)', () => {
    // 2024-03-11 23:30 → 2024-03-12 00:30 CET (22:30Z → 23:30Z), 60 dB, confirmed, onset 2024-03-14:
    // day −3: 30 × 1.0 × 0.3 × 1.0 = 9; day −2: 30 × 1.0 × 1.0 × 1.0 = 30; total 39, risk 1 − 2^(−39/15) = 0.84
    const episode = proximity(source('confirmed_test'), '2024-03-11T22:30:00Z', 60, 60);
    const scored = scoreEpisode(episode, DEFAULT_RISK_MODEL, 'Europe/Paris');
    expect(
      scored.days.map((d) => [d.day, d.minutes, d.days_from_onset, d.infectiousness_weight, d.weighted_minutes]),
    ).toEqual([
      ['2024-03-11', 30, -3, 0.3, 9],
      ['2024-03-12', 30, -2, 1, 30],
    ]);
    expect(scored.minutes).toBe(60);
    expect(scored.weighted_minutes).toBe(39);
    expect(scored.risk_level).toBe(0.84);
    expect(scored.infectiousness_level).toBe('high');
    expect(scored.days_from_onset).toBe(-2);

    // The same instants in UTC (the default zone) are all on 2024-03-11, day −3: 60 × 0.3 = 18, risk 0.56.
    const utc = scoreEpisode(episode);
    expect(utc.days.map((d) => d.day)).toEqual(['2024-03-11']);
    expect(utc.weighted_minutes).toBe(18);
    expect(utc.risk_level).toBe(0.56);
  });

  it('rejects malformed episodes', () => {
    const bad: ContactEpisode = {
      kind: 'proximity',
      source: source('confirmed_test'),
      interval: { startMs: 2_000, endMs: 1_000 },
      attenuationDb: 50,
    };
    expect(() => scoreEpisode(bad)).toThrow('interval ends before it starts (startMs 2000, endMs 1000)');
    const badType = { ...source('confirmed_test'), reportType: 'rumour' as ReportType };
    expect(() => scoreEpisode(proximity(badType, '2024-03-14T12:00:00Z', 10, 50))).toThrow(
      'reportType must be one of confirmed_test, clinical_diagnosis, self_reported, got "rumour"',
    );
    expect(() =>
      scoreEpisode(proximity(source('confirmed_test'), '2024-03-14T12:00:00Z', 10, 50), DEFAULT_RISK_MODEL, 'Paris'),
    ).toThrow(/timeZone must be an IANA time-zone name/);
  });
});

describe('scoreEpisode: same venue', () => {
  const confirmed = source('confirmed_test');

  it('an overlap of 9 minutes is dropped', () => {
    const scored = scoreEpisode(venue(confirmed, span('2024-03-14T12:00:00Z', 60), span('2024-03-14T12:30:00Z', 9)));
    expect(scored).toMatchObject({
      dropped: 'below_minimum_stay',
      minutes: 0,
      overlap_minutes: 9,
      weighted_minutes: 0,
      risk_level: 0,
      proximity_bucket: 'same_venue',
      days: [],
    });
  });

  it('the minimum applies to the overlap: two long stays overlapping 9 minutes are dropped', () => {
    // exposed 12:00–12:30, source 12:21–13:00: both stays ≥ 10 minutes, together only 9.
    const scored = scoreEpisode(venue(confirmed, span('2024-03-14T12:00:00Z', 30), span('2024-03-14T12:21:00Z', 39)));
    expect(scored.dropped).toBe('below_minimum_stay');
    expect(scored.overlap_minutes).toBe(9);
  });

  it('an overlap of exactly 10 minutes counts: 10 × 1.0 = 10, risk 0.37, tier medium', () => {
    const scored = scoreEpisode(venue(confirmed, span('2024-03-14T12:00:00Z', 60), span('2024-03-14T12:30:00Z', 10)));
    expect(scored).toMatchObject({
      dropped: null,
      minutes: 10,
      overlap_minutes: 10,
      weighted_minutes: 10,
      risk_level: 0.37,
      proximity_weight: 1,
    });
    expect(tierFor(scored.weighted_minutes)).toBe('medium');
  });

  it('an overlap of 45 minutes counts its first 30: 30 weighted minutes, risk 0.75', () => {
    const scored = scoreEpisode(venue(confirmed, span('2024-03-14T12:00:00Z', 90), span('2024-03-14T12:15:00Z', 45)));
    expect(scored).toMatchObject({
      dropped: null,
      minutes: 30,
      overlap_minutes: 45,
      weighted_minutes: 30,
      risk_level: 0.75,
    });
    expect(scored.days).toHaveLength(1);
    expect(scored.days[0]?.start_ms).toBe(at('2024-03-14T12:15:00Z'));
    expect(scored.days[0]?.end_ms).toBe(at('2024-03-14T12:45:00Z'));
  });

  it('clinical diagnosis weighs 0.8: 30 × 1.0 × 1.0 × 0.8 = 24, risk 0.67', () => {
    const scored = scoreEpisode(
      venue(source('clinical_diagnosis'), span('2024-03-14T12:00:00Z', 90), span('2024-03-14T12:15:00Z', 45)),
    );
    expect(scored.weighted_minutes).toBe(24);
    expect(scored.risk_level).toBe(0.67);
    expect(scored.report_type_weight).toBe(0.8);
  });

  it('stays that only touch do not overlap', () => {
    const scored = scoreEpisode(venue(confirmed, span('2024-03-14T12:00:00Z', 30), span('2024-03-14T12:30:00Z', 30)));
    expect(scored.dropped).toBe('no_overlap');
    expect(scored.overlap_minutes).toBe(0);
  });

  it('the cap keeps the first 30 minutes, then they are split at midnight', () => {
    // Overlap 2024-03-13 23:50 → 00:50 UTC; counted 23:50 → 00:20. Source onset 2024-03-16:
    // 2024-03-13 is day −3 (0.3): 10 × 0.3 = 3; 2024-03-14 is day −2 (1.0): 20 × 1.0 = 20; total 23.
    const src = source('confirmed_test', '2024-03-16', '2024-03-16');
    const scored = scoreEpisode(venue(src, span('2024-03-13T23:50:00Z', 70), span('2024-03-13T23:40:00Z', 70)));
    expect(scored.days.map((d) => [d.day, d.minutes, d.weighted_minutes])).toEqual([
      ['2024-03-13', 10, 3],
      ['2024-03-14', 20, 20],
    ]);
    expect(scored.minutes).toBe(30);
    expect(scored.overlap_minutes).toBe(60);
    expect(scored.weighted_minutes).toBe(23);
  });
});

describe('aggregateDailyTiers', () => {
  const sourceA = source('confirmed_test'); // onset 2024-03-14
  const sourceC = source('self_reported'); // onset 2024-03-14
  const sourceD = source('confirmed_test', '2024-03-18', '2024-03-19'); // 2024-03-14 is its day −4 (0.3)

  // u1 on 2024-03-14, from three episodes and two sources:
  const e1 = { exposed_user_id: 'u1', ...scoreEpisode(proximity(sourceA, '2024-03-14T08:00:00Z', 10, 70)) }; // 10 × 0.33 = 3.3
  const e2 = { exposed_user_id: 'u1', ...scoreEpisode(proximity(sourceA, '2024-03-14T09:00:00Z', 20, 70)) }; // 20 × 0.33 = 6.6
  const e3 = {
    exposed_user_id: 'u1',
    ...scoreEpisode(venue(sourceD, span('2024-03-14T18:00:00Z', 17), span('2024-03-14T17:00:00Z', 120))),
  }; // 17 × 1.0 × 0.3 = 5.1
  // u1 on 2024-03-15 (a separate day), from a third source:
  const e4 = {
    exposed_user_id: 'u1',
    ...scoreEpisode(
      gps(sourceC, NOTRE_DAME, span('2024-03-15T10:00:00Z', 30), AT_9_9_M, span('2024-03-15T10:00:00Z', 30)),
    ),
  }; // 30 × 0.5 × 1.0 × 0.5 = 7.5
  // u2 on 2024-03-14:
  const e5 = {
    exposed_user_id: 'u2',
    ...scoreEpisode(
      gps(sourceC, NOTRE_DAME, span('2024-03-14T10:00:00Z', 20), NOTRE_DAME, span('2024-03-14T10:00:00Z', 20)),
    ),
  }; // 20 × 0.5 × 1.0 × 0.5 = 5

  it('the episodes score as annotated', () => {
    expect([e1, e2, e3, e4, e5].map((e) => e.weighted_minutes)).toEqual([3.3, 6.6, 5.1, 7.5, 5]);
  });

  it("sums one person's day across episodes and sources, crossing medium then high", () => {
    expect(aggregateDailyTiers([e1])).toEqual([
      { exposed_user_id: 'u1', day: '2024-03-14', weighted_minutes: 3.3, tier: 'low', episodes: 1 },
    ]);
    expect(aggregateDailyTiers([e1, e2])).toEqual([
      { exposed_user_id: 'u1', day: '2024-03-14', weighted_minutes: 9.9, tier: 'medium', episodes: 2 },
    ]);
    // 3.3 + 6.6 + 5.1 is 14.999999999999998 in binary floating point; the sum is rounded before the tier.
    expect(aggregateDailyTiers([e1, e2, e3])).toEqual([
      { exposed_user_id: 'u1', day: '2024-03-14', weighted_minutes: 15, tier: 'high', episodes: 3 },
    ]);
  });

  it('keeps days and people separate, sorted by person then day', () => {
    expect(aggregateDailyTiers([e5, e4, e3, e2, e1])).toEqual([
      { exposed_user_id: 'u1', day: '2024-03-14', weighted_minutes: 15, tier: 'high', episodes: 3 },
      { exposed_user_id: 'u1', day: '2024-03-15', weighted_minutes: 7.5, tier: 'medium', episodes: 1 },
      { exposed_user_id: 'u2', day: '2024-03-14', weighted_minutes: 5, tier: 'medium', episodes: 1 },
    ]);
  });

  it('an episode over midnight contributes to each of its days', () => {
    const overMidnight = {
      exposed_user_id: 'u3',
      ...scoreEpisode(proximity(sourceA, '2024-03-11T22:30:00Z', 60, 60), DEFAULT_RISK_MODEL, 'Europe/Paris'),
    };
    const sameNight = {
      exposed_user_id: 'u3',
      ...scoreEpisode(proximity(sourceA, '2024-03-11T20:00:00Z', 10, 72), DEFAULT_RISK_MODEL, 'Europe/Paris'),
    }; // 21:00 CET on 2024-03-11 (day −3): 10 × 0.33 × 0.3 = 0.99
    expect(aggregateDailyTiers([overMidnight, sameNight])).toEqual([
      { exposed_user_id: 'u3', day: '2024-03-11', weighted_minutes: 9.99, tier: 'medium', episodes: 2 },
      { exposed_user_id: 'u3', day: '2024-03-12', weighted_minutes: 30, tier: 'high', episodes: 1 },
    ]);
  });

  it("uses a deployment's tier thresholds and ignores dropped episodes", () => {
    const config: RiskModelConfig = resolveRiskModelConfig({ version: 'v1-t', tiers: { mediumMinWeightedMinutes: 3 } });
    const dropped = {
      exposed_user_id: 'u1',
      ...scoreEpisode(venue(sourceA, span('2024-03-14T12:00:00Z', 60), span('2024-03-14T12:30:00Z', 9))),
    };
    const input: ExposedPersonEpisode[] = [e1, dropped];
    expect(aggregateDailyTiers(input, config)).toEqual([
      { exposed_user_id: 'u1', day: '2024-03-14', weighted_minutes: 3.3, tier: 'medium', episodes: 1 },
    ]);
    expect(aggregateDailyTiers([])).toEqual([]);
  });
});
