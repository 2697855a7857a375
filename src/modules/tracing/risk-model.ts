/**
 * Risk model v1: scoring of contact episodes, per-day tiers and the versioned configuration.
 *
 * Pure functions, no I/O. Defaults follow GAEN v2 / Corona-Warn-App practice (see DESIGN.md, "Risk model v1"):
 *
 *   weighted minutes of an episode = minutes × proximity weight × infectiousness weight × report-type weight
 *   risk_level of an episode        = 1 − exp(−weighted minutes / τ), τ = 15 / ln 2, rounded to 2 places
 *   tier of a person on a day        = high when Σ weighted minutes ≥ 15, medium when ≥ 5, else low
 *
 * Conventions of this module:
 *  - Days are calendar days ('YYYY-MM-DD') in the deployment time zone (default 'UTC'); day 0 is the onset.
 *    An episode that crosses local midnight is split by calendar day before scoring, because infectiousness
 *    depends on the day of contact (see `scoreEpisode`).
 *  - Minutes are fractional (from millisecond timestamps); minutes and weighted minutes are rounded to 6
 *    decimal places so that binary floating-point noise (0.33 × 20 = 6.6000000000000005) never moves a
 *    value across a tier threshold.
 *  - Results that are persisted or sent over the API (`ScoredEpisode`, `DailyTier`) use snake_case field
 *    names, like the `exposure_risks` columns they feed.
 *  - Functions take an already validated configuration (validate once at start-up with
 *    `validateRiskModelConfig` / `resolveRiskModelConfig`); they do not re-validate it on every call.
 */

import {
  MS_PER_MINUTE,
  addDays,
  assertDay,
  assertTimeZone,
  calendarDay,
  dayDifference,
  splitIntervalByDay,
  type CalendarDay,
} from '../../platform/time/calendar.js';
import { haversineMeters, type LatLng } from '../../platform/geo/haversine.js';

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

export type ReportType = 'confirmed_test' | 'clinical_diagnosis' | 'self_reported';
export const REPORT_TYPES: readonly ReportType[] = Object.freeze(['confirmed_test', 'clinical_diagnosis', 'self_reported']);

/** Bluetooth attenuation buckets: immediate (≤ 55 dB), near (≤ 67 dB), medium (≤ 75 dB), other. */
export type ProximityBucket = 'immediate' | 'near' | 'medium' | 'other';
export const PROXIMITY_BUCKETS: readonly ProximityBucket[] = Object.freeze(['immediate', 'near', 'medium', 'other']);

/** The "proximity bucket" recorded for an episode: an attenuation bucket, or the kind of location co-presence. */
export type ContactBucket = ProximityBucket | 'same_venue' | 'gps_colocation';

export type InfectiousnessLevel = 'high' | 'standard' | 'none';
export type RiskTier = 'high' | 'medium' | 'low';

export interface RiskModelConfig {
  /** Recorded with every risk; any change of a number below must come with a new version. */
  readonly version: string;
  /** Bluetooth proximity. A bucket's upper edge is inclusive: exactly 55 dB is immediate, 55.5 dB is near. */
  readonly proximity: {
    readonly immediateMaxAttenuationDb: number;
    readonly nearMaxAttenuationDb: number;
    readonly mediumMaxAttenuationDb: number;
    readonly weights: Readonly<Record<ProximityBucket, number>>;
  };
  /** Same venue with overlapping stays (indoor co-presence). */
  readonly venue: {
    readonly weight: number;
    /** Episodes whose overlap of the two stays is shorter than this are dropped (see `scoreEpisode`). */
    readonly minimumStayMinutes: number;
    /** At most this many minutes of one venue episode are counted. */
    readonly maximumMinutesPerEpisode: number;
  };
  /** GPS co-location: both reported points within `radiusMeters` (inclusive) during overlapping times. */
  readonly gps: {
    readonly weight: number;
    readonly radiusMeters: number;
  };
  /** Infectiousness by day of contact relative to the source's onset (day 0). Days in neither list: none (0). */
  readonly infectiousness: {
    readonly weights: { readonly high: number; readonly standard: number };
    readonly highDays: readonly number[];
    readonly standardDays: readonly number[];
  };
  /** The source's infectious window, in days relative to onset, and the onset assumed when none is known. */
  readonly infectiousWindow: {
    readonly fromDaysFromOnset: number;
    readonly toDaysFromOnset: number;
    /** No onset known: onset = report day − this many days (as the GAEN key server does). */
    readonly unknownOnsetDaysBeforeReport: number;
  };
  readonly reportTypeWeights: Readonly<Record<ReportType, number>>;
  /** risk_level = 1 − exp(−weighted minutes / tau). */
  readonly riskLevel: { readonly tauWeightedMinutes: number };
  /** Per person per day, on the sum of weighted minutes of all episodes: high ≥ high, medium ≥ medium. */
  readonly tiers: { readonly highMinWeightedMinutes: number; readonly mediumMinWeightedMinutes: number };
}

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { -readonly [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What a deployment may override; nested objects are merged, arrays and numbers replaced. */
export type RiskModelConfigOverrides = DeepPartial<RiskModelConfig>;

// ---------------------------------------------------------------------------------------------------------
// Default configuration (v1)
// ---------------------------------------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
  }
  return value;
}

export const RISK_MODEL_V1: RiskModelConfig = deepFreeze({
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

/** The configuration used when a deployment overrides nothing. */
export const DEFAULT_RISK_MODEL: RiskModelConfig = RISK_MODEL_V1;

/** risk_level is stored as DECIMAL(3,2). */
export const RISK_LEVEL_DECIMALS = 2;
/** Minutes and weighted minutes are rounded to this many decimal places. */
export const MINUTES_DECIMALS = 6;

// ---------------------------------------------------------------------------------------------------------
// Configuration validation
// ---------------------------------------------------------------------------------------------------------

/** Thrown by `validateRiskModelConfig`; `issues` lists every problem found, one sentence each. */
export class RiskModelConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid risk model configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'RiskModelConfigError';
    this.issues = issues;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/**
 * Every problem with a candidate configuration, as readable sentences naming the offending path
 * (e.g. "proximity.weights.near must be a finite number ≥ 0, got -1"). Empty when the configuration is valid.
 */
export function riskModelConfigIssues(input: unknown): string[] {
  const issues: string[] = [];
  if (!isPlainObject(input)) return [`the risk model configuration must be an object, got ${show(input)}`];

  const section = (parent: Record<string, unknown>, path: string, keys: readonly string[]): Record<string, unknown> | null => {
    const value = parent[path.slice(path.lastIndexOf('.') + 1)];
    if (!isPlainObject(value)) {
      issues.push(`${path} must be an object, got ${show(value)}`);
      return null;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) issues.push(`${path}.${key} is not a known setting (expected one of: ${keys.join(', ')})`);
    }
    return value;
  };
  const number = (
    obj: Record<string, unknown>,
    path: string,
    key: string,
    rule: { min?: number; exclusiveMin?: number; integer?: boolean } = {},
  ): number | null => {
    const value = obj[key];
    const what = `${path}.${key}`;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      issues.push(`${what} must be a finite number, got ${show(value)}`);
      return null;
    }
    if (rule.integer === true && !Number.isInteger(value)) {
      issues.push(`${what} must be a whole number of days, got ${value}`);
      return null;
    }
    if (rule.min !== undefined && value < rule.min) {
      issues.push(`${what} must be a finite number ≥ ${rule.min}, got ${value}`);
      return null;
    }
    if (rule.exclusiveMin !== undefined && value <= rule.exclusiveMin) {
      issues.push(`${what} must be a finite number > ${rule.exclusiveMin}, got ${value}`);
      return null;
    }
    return value;
  };

  const topKeys = ['version', 'proximity', 'venue', 'gps', 'infectiousness', 'infectiousWindow', 'reportTypeWeights', 'riskLevel', 'tiers'];
  for (const key of Object.keys(input)) {
    if (!topKeys.includes(key)) issues.push(`${key} is not a known setting (expected one of: ${topKeys.join(', ')})`);
  }

  const version = input['version'];
  if (typeof version !== 'string' || !VERSION_PATTERN.test(version)) {
    issues.push(`version must be 1-32 characters (letters, digits, '.', '_', '-'), such as "v1", got ${show(version)}`);
  }

  const proximity = section(input, 'proximity', ['immediateMaxAttenuationDb', 'nearMaxAttenuationDb', 'mediumMaxAttenuationDb', 'weights']);
  if (proximity !== null) {
    const immediate = number(proximity, 'proximity', 'immediateMaxAttenuationDb', { min: 0 });
    const near = number(proximity, 'proximity', 'nearMaxAttenuationDb', { min: 0 });
    const medium = number(proximity, 'proximity', 'mediumMaxAttenuationDb', { min: 0 });
    if (immediate !== null && near !== null && immediate > near) {
      issues.push(`proximity.immediateMaxAttenuationDb (${immediate}) must not exceed proximity.nearMaxAttenuationDb (${near})`);
    }
    if (near !== null && medium !== null && near > medium) {
      issues.push(`proximity.nearMaxAttenuationDb (${near}) must not exceed proximity.mediumMaxAttenuationDb (${medium})`);
    }
    const weights = section(proximity, 'proximity.weights', PROXIMITY_BUCKETS);
    if (weights !== null) for (const bucket of PROXIMITY_BUCKETS) number(weights, 'proximity.weights', bucket, { min: 0 });
  }

  const venue = section(input, 'venue', ['weight', 'minimumStayMinutes', 'maximumMinutesPerEpisode']);
  if (venue !== null) {
    number(venue, 'venue', 'weight', { min: 0 });
    const minimum = number(venue, 'venue', 'minimumStayMinutes', { min: 0 });
    const maximum = number(venue, 'venue', 'maximumMinutesPerEpisode', { exclusiveMin: 0 });
    if (minimum !== null && maximum !== null && maximum < minimum) {
      issues.push(`venue.maximumMinutesPerEpisode (${maximum}) must be at least venue.minimumStayMinutes (${minimum})`);
    }
  }

  const gps = section(input, 'gps', ['weight', 'radiusMeters']);
  if (gps !== null) {
    number(gps, 'gps', 'weight', { min: 0 });
    number(gps, 'gps', 'radiusMeters', { exclusiveMin: 0 });
  }

  const window = section(input, 'infectiousWindow', ['fromDaysFromOnset', 'toDaysFromOnset', 'unknownOnsetDaysBeforeReport']);
  let from: number | null = null;
  let to: number | null = null;
  if (window !== null) {
    from = number(window, 'infectiousWindow', 'fromDaysFromOnset', { integer: true });
    to = number(window, 'infectiousWindow', 'toDaysFromOnset', { integer: true });
    number(window, 'infectiousWindow', 'unknownOnsetDaysBeforeReport', { integer: true, min: 0 });
    if (from !== null && to !== null && from > to) {
      issues.push(`infectiousWindow.fromDaysFromOnset (${from}) must not be after infectiousWindow.toDaysFromOnset (${to})`);
    }
  }

  const infectiousness = section(input, 'infectiousness', ['weights', 'highDays', 'standardDays']);
  if (infectiousness !== null) {
    const weights = section(infectiousness, 'infectiousness.weights', ['high', 'standard']);
    if (weights !== null) {
      number(weights, 'infectiousness.weights', 'high', { min: 0 });
      number(weights, 'infectiousness.weights', 'standard', { min: 0 });
    }
    const seen = new Map<number, string>();
    for (const key of ['highDays', 'standardDays'] as const) {
      const days = infectiousness[key];
      if (!Array.isArray(days)) {
        issues.push(`infectiousness.${key} must be an array of whole days relative to onset, got ${show(days)}`);
        continue;
      }
      for (const day of days as unknown[]) {
        if (typeof day !== 'number' || !Number.isInteger(day)) {
          issues.push(`infectiousness.${key} must contain whole days relative to onset, got ${show(day)}`);
          continue;
        }
        const previous = seen.get(day);
        if (previous !== undefined) {
          issues.push(`day ${day} appears in infectiousness.${key} and in infectiousness.${previous}; list each day once`);
          continue;
        }
        seen.set(day, key);
        if (from !== null && to !== null && (day < from || day > to)) {
          issues.push(
            `infectiousness.${key} contains day ${day}, outside the infectious window ${from}..${to} (infectiousWindow), so it could never be traced`,
          );
        }
      }
    }
  }

  const reportTypeWeights = section(input, 'reportTypeWeights', REPORT_TYPES);
  if (reportTypeWeights !== null) for (const type of REPORT_TYPES) number(reportTypeWeights, 'reportTypeWeights', type, { min: 0 });

  const riskLevel = section(input, 'riskLevel', ['tauWeightedMinutes']);
  if (riskLevel !== null) number(riskLevel, 'riskLevel', 'tauWeightedMinutes', { exclusiveMin: 0 });

  const tiers = section(input, 'tiers', ['highMinWeightedMinutes', 'mediumMinWeightedMinutes']);
  if (tiers !== null) {
    const medium = number(tiers, 'tiers', 'mediumMinWeightedMinutes', { exclusiveMin: 0 });
    const high = number(tiers, 'tiers', 'highMinWeightedMinutes', { exclusiveMin: 0 });
    if (medium !== null && high !== null && high < medium) {
      issues.push(`tiers.highMinWeightedMinutes (${high}) must be at least tiers.mediumMinWeightedMinutes (${medium})`);
    }
  }
  return issues;
}

function deepClone<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => deepClone(item)) as T;
  if (isPlainObject(value)) {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = deepClone(item);
    return copy as T;
  }
  return value;
}

/**
 * Validates a candidate configuration and returns a deep-frozen copy of it.
 * Throws `RiskModelConfigError` listing every problem found.
 */
export function validateRiskModelConfig(input: unknown): RiskModelConfig {
  const issues = riskModelConfigIssues(input);
  if (issues.length > 0) throw new RiskModelConfigError(issues);
  return deepFreeze(deepClone(input as RiskModelConfig));
}

function deepMerge(base: unknown, overrides: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(overrides)) return overrides === undefined ? base : overrides;
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    if (value !== undefined) merged[key] = deepMerge(base[key], value);
  }
  return merged;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!sameJson(a[key], b[key])) return false;
    return true;
  }
  return Object.is(a, b);
}

/**
 * A deployment's configuration: `base` (default v1) with `overrides` merged in (objects merged key by key,
 * arrays and numbers replaced), validated and frozen. Because every risk records the model version, changing
 * any number while keeping the base's version is rejected: give the changed model its own version.
 */
export function resolveRiskModelConfig(
  overrides: RiskModelConfigOverrides = {},
  base: RiskModelConfig = DEFAULT_RISK_MODEL,
): RiskModelConfig {
  const merged = deepMerge(base, overrides);
  const issues = riskModelConfigIssues(merged);
  if (issues.length === 0 && isPlainObject(merged) && merged['version'] === base.version) {
    const { version: _ignored, ...rest } = merged;
    const { version: _baseVersion, ...baseRest } = base;
    if (!sameJson(rest, baseRest)) {
      issues.push(`the overrides change the model but keep version ${show(base.version)}; set a new version (e.g. "${base.version}-local.1")`);
    }
  }
  if (issues.length > 0) throw new RiskModelConfigError(issues);
  return deepFreeze(deepClone(merged as RiskModelConfig));
}

// ---------------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------------

/**
 * Rounds half away from zero to `places` decimals, robust to binary floating point: the scaled value is first
 * cleaned to 15 significant digits, so 0.285 (stored as 0.28499999999999998) rounds to 0.29 and 1.005 to 1.01.
 */
export function roundHalfUp(value: number, places: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot round ${value}`);
  if (!Number.isInteger(places) || places < 0 || places > 15) throw new RangeError(`places must be an integer 0..15, got ${places}`);
  const factor = 10 ** places;
  const raw = Math.abs(value) * factor;
  // Reading raw to 15 significant digits moves it by under 1e-14 × raw, which changes how it rounds only when it
  // lies that close to a half: elsewhere the string round trip (slow, and run for every scored contact) is skipped.
  const nearHalf = Math.abs(raw - Math.floor(raw) - 0.5) <= raw * 1e-14;
  const scaled = nearHalf ? Number(raw.toPrecision(15)) : raw;
  const rounded = Math.round(scaled) / factor;
  return value < 0 && rounded !== 0 ? -rounded : rounded;
}

function roundMinutes(value: number): number {
  return roundHalfUp(value, MINUTES_DECIMALS);
}

function assertNonNegative(value: unknown, what: string): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what} must be a finite number ≥ 0, got ${show(value)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Factors
// ---------------------------------------------------------------------------------------------------------

export interface InfectiousWindow {
  /** The onset used: the reported one, or report day − 4 days (default) when none is known. */
  readonly onsetDay: CalendarDay;
  readonly onsetEstimated: boolean;
  /** First and last infectious days, inclusive (default onset − 4 .. onset + 5). */
  readonly fromDay: CalendarDay;
  readonly toDay: CalendarDay;
}

/** The source's infectious window. `onsetDay` null means unknown: report day − 4 days is used. */
export function infectiousWindow(
  onsetDay: CalendarDay | null,
  reportDay: CalendarDay,
  config: RiskModelConfig = DEFAULT_RISK_MODEL,
): InfectiousWindow {
  assertDay(reportDay, 'reportDay');
  if (onsetDay !== null) assertDay(onsetDay, 'onsetDay');
  const window = config.infectiousWindow;
  const onset = onsetDay ?? addDays(reportDay, -window.unknownOnsetDaysBeforeReport);
  return {
    onsetDay: onset,
    onsetEstimated: onsetDay === null,
    fromDay: addDays(onset, window.fromDaysFromOnset),
    toDay: addDays(onset, window.toDaysFromOnset),
  };
}

export interface InfectiousnessWeight {
  readonly weight: number;
  readonly level: InfectiousnessLevel;
  /** contact day − onset day, in calendar days. */
  readonly daysFromOnset: number;
}

/** Per-config lookup tables, built once (configs are frozen, so caching by identity is safe). */
const dayLevels = new WeakMap<RiskModelConfig, ReadonlyMap<number, Exclude<InfectiousnessLevel, 'none'>>>();

function levelTable(config: RiskModelConfig): ReadonlyMap<number, Exclude<InfectiousnessLevel, 'none'>> {
  let table = dayLevels.get(config);
  if (table === undefined) {
    const built = new Map<number, Exclude<InfectiousnessLevel, 'none'>>();
    for (const day of config.infectiousness.standardDays) built.set(day, 'standard');
    for (const day of config.infectiousness.highDays) built.set(day, 'high');
    table = built;
    dayLevels.set(config, table);
  }
  return table;
}

/** Infectiousness of the source on the day of contact: high 1.0 on −2..+3, standard 0.3 on −4, −3, +4, +5. */
export function infectiousnessWeight(
  contactDay: CalendarDay,
  onsetDay: CalendarDay,
  config: RiskModelConfig = DEFAULT_RISK_MODEL,
): InfectiousnessWeight {
  const daysFromOnset = dayDifference(contactDay, onsetDay);
  const window = config.infectiousWindow;
  const level =
    daysFromOnset < window.fromDaysFromOnset || daysFromOnset > window.toDaysFromOnset
      ? 'none'
      : (levelTable(config).get(daysFromOnset) ?? 'none');
  const weight = level === 'none' ? 0 : config.infectiousness.weights[level];
  return { weight, level, daysFromOnset };
}

export interface ProximityWeight {
  readonly weight: number;
  readonly bucket: ProximityBucket;
}

/** Weight of a Bluetooth attenuation: ≤ 55 dB 1.75, ≤ 67 dB 1.0, ≤ 75 dB 0.33, else 0 (upper edges inclusive). */
export function proximityWeight(attenuationDb: number, config: RiskModelConfig = DEFAULT_RISK_MODEL): ProximityWeight {
  if (typeof attenuationDb !== 'number' || !Number.isFinite(attenuationDb)) {
    throw new RangeError(`attenuationDb must be a finite number, got ${show(attenuationDb)}`);
  }
  const p = config.proximity;
  const bucket: ProximityBucket =
    attenuationDb <= p.immediateMaxAttenuationDb
      ? 'immediate'
      : attenuationDb <= p.nearMaxAttenuationDb
        ? 'near'
        : attenuationDb <= p.mediumMaxAttenuationDb
          ? 'medium'
          : 'other';
  return { weight: p.weights[bucket], bucket };
}

export function reportTypeWeight(reportType: ReportType, config: RiskModelConfig = DEFAULT_RISK_MODEL): number {
  if (!REPORT_TYPES.includes(reportType)) {
    throw new RangeError(`reportType must be one of ${REPORT_TYPES.join(', ')}, got ${show(reportType)}`);
  }
  return config.reportTypeWeights[reportType];
}

/** True when the two reported points are within the configured GPS co-location radius (inclusive). */
export function withinGpsRadius(a: LatLng, b: LatLng, config: RiskModelConfig = DEFAULT_RISK_MODEL): boolean {
  return haversineMeters(a, b) <= config.gps.radiusMeters;
}

/** 1 − exp(−weighted minutes / τ), rounded to 2 places (DECIMAL(3,2)): 15 weighted minutes ↔ 0.50. */
export function riskLevel(weightedMinutes: number, config: RiskModelConfig = DEFAULT_RISK_MODEL): number {
  assertNonNegative(weightedMinutes, 'weightedMinutes');
  const probability = -Math.expm1(-weightedMinutes / config.riskLevel.tauWeightedMinutes);
  return Math.min(1, Math.max(0, roundHalfUp(probability, RISK_LEVEL_DECIMALS)));
}

/** Tier of one person on one day from the sum of weighted minutes: high ≥ 15, medium ≥ 5, else low. */
export function tierFor(totalWeightedMinutes: number, config: RiskModelConfig = DEFAULT_RISK_MODEL): RiskTier {
  assertNonNegative(totalWeightedMinutes, 'totalWeightedMinutes');
  const total = roundMinutes(totalWeightedMinutes);
  if (total >= config.tiers.highMinWeightedMinutes) return 'high';
  if (total >= config.tiers.mediumMinWeightedMinutes) return 'medium';
  return 'low';
}

const TIER_RANK: Readonly<Record<RiskTier, number>> = Object.freeze({ low: 0, medium: 1, high: 2 });

/** Orders tiers: negative when a < b, 0 when equal, positive when a > b (low < medium < high). */
export function compareTiers(a: RiskTier, b: RiskTier): number {
  return TIER_RANK[a] - TIER_RANK[b];
}

/**
 * Whether a person must be notified: the day's tier rose to medium or high. `previous` is the tier already
 * notified for that person and day (null/undefined when none, which counts as low).
 */
export function tierRose(previous: RiskTier | null | undefined, next: RiskTier): boolean {
  return next !== 'low' && TIER_RANK[next] > TIER_RANK[previous ?? 'low'];
}

// ---------------------------------------------------------------------------------------------------------
// Episodes
// ---------------------------------------------------------------------------------------------------------

/** A time interval [startMs, endMs) in epoch milliseconds. */
export interface TimeInterval {
  readonly startMs: number;
  readonly endMs: number;
}

/** A reported position held over an interval (one `location` interaction). */
export interface LocatedInterval extends TimeInterval, LatLng {}

/** What scoring needs to know about the source case. */
export interface SourceCase {
  /** Symptom onset day; null when unknown (then report day − 4 days). */
  readonly onsetDay: CalendarDay | null;
  readonly reportDay: CalendarDay;
  readonly reportType: ReportType;
}

/** Bluetooth encounter with the source's tokens, as seen by the exposed person's phone. */
export interface ProximityEpisode {
  readonly kind: 'proximity';
  readonly source: SourceCase;
  readonly interval: TimeInterval;
  readonly attenuationDb: number;
}

/** Both people checked in at the same venue. */
export interface VenueEpisode {
  readonly kind: 'venue';
  readonly source: SourceCase;
  readonly exposedStay: TimeInterval;
  readonly sourceStay: TimeInterval;
}

/** Both people reported positions (GPS) at overlapping times. */
export interface GpsEpisode {
  readonly kind: 'gps';
  readonly source: SourceCase;
  readonly exposedPresence: LocatedInterval;
  readonly sourcePresence: LocatedInterval;
}

export type ContactEpisode = ProximityEpisode | VenueEpisode | GpsEpisode;

/**
 * Why an episode contributes nothing:
 *  - no_overlap: the two intervals do not overlap (or the encounter has zero duration);
 *  - below_minimum_stay: venue episode whose overlap is shorter than venue.minimumStayMinutes;
 *  - beyond_radius: GPS points further apart than gps.radiusMeters;
 *  - zero_weight: counted, but a factor is 0 (attenuation > 75 dB, contact day outside infectiousness, ...).
 */
export type DropReason = 'no_overlap' | 'below_minimum_stay' | 'beyond_radius' | 'zero_weight';

/** The part of an episode on one calendar day. */
export interface DayScore {
  readonly day: CalendarDay;
  readonly start_ms: number;
  readonly end_ms: number;
  readonly minutes: number;
  readonly days_from_onset: number;
  readonly infectiousness_level: InfectiousnessLevel;
  readonly infectiousness_weight: number;
  readonly weighted_minutes: number;
}

export interface ScoredEpisode {
  readonly model_version: string;
  readonly kind: ContactEpisode['kind'];
  /** null when the episode counts (weighted_minutes > 0). */
  readonly dropped: DropReason | null;
  /** Minutes counted: after the venue minimum and cap; 0 when dropped for a structural reason. */
  readonly minutes: number;
  /** Duration of the contact before the venue minimum/cap (overlap of the two intervals; the encounter). */
  readonly overlap_minutes: number;
  /** Σ over `days` of minutes × proximity weight × infectiousness weight × report-type weight. */
  readonly weighted_minutes: number;
  /** 1 − exp(−weighted_minutes / τ), 2 places. */
  readonly risk_level: number;
  readonly proximity_bucket: ContactBucket;
  readonly proximity_weight: number;
  /**
   * Infectiousness of the day with the highest weight among the counted days (the first such day on ties);
   * when the episode lies on one day, weighted_minutes = minutes × the four weights exactly. `days` has the
   * per-day breakdown of episodes that cross midnight.
   */
  readonly infectiousness_level: InfectiousnessLevel;
  readonly infectiousness_weight: number;
  readonly days_from_onset: number;
  readonly report_type: ReportType;
  readonly report_type_weight: number;
  readonly onset_day: CalendarDay;
  readonly onset_estimated: boolean;
  readonly attenuation_db: number | null;
  readonly distance_meters: number | null;
  /** The counted interval cut at local midnights; empty when dropped for a structural reason. */
  readonly days: readonly DayScore[];
}

function assertInterval(interval: TimeInterval, what: string): void {
  const { startMs, endMs } = interval;
  if (typeof startMs !== 'number' || !Number.isFinite(startMs) || typeof endMs !== 'number' || !Number.isFinite(endMs)) {
    throw new RangeError(`${what} must have finite startMs and endMs (epoch milliseconds)`);
  }
  if (endMs < startMs) throw new RangeError(`${what} ends before it starts (startMs ${startMs}, endMs ${endMs})`);
}

function overlap(a: TimeInterval, b: TimeInterval): TimeInterval | null {
  const startMs = Math.max(a.startMs, b.startMs);
  const endMs = Math.min(a.endMs, b.endMs);
  return endMs > startMs ? { startMs, endMs } : null;
}

/**
 * Scores one contact episode between an exposed person and a source case.
 *
 *   - proximity: the encounter interval, weighted by its attenuation bucket (proximityWeight).
 *   - venue: the overlap of the two stays, weight venue.weight (1.0).
 *     The 10-minute minimum applies to the OVERLAP of the two stays (the time both people were there
 *     together), not to either stay alone. Because the overlap is never longer than either stay, this one
 *     check also drops every episode in which either stay is shorter than 10 minutes. An overlap of exactly
 *     10 minutes counts (only "shorter than" is dropped). The 30-minute cap then keeps the FIRST 30 minutes of
 *     the overlap (from the later of the two arrivals), so the counted minutes are a real interval and can be
 *     cut by calendar day.
 *   - gps: the overlap of the two presences, weight gps.weight (0.5), when the two reported points are within
 *     gps.radiusMeters (inclusive, haversine distance). No minimum and no cap.
 *
 * The counted interval is split at local midnights of `timeZone` (default 'UTC'); each day's minutes get that
 * day's infectiousness (relative to the source's onset, or report day − 4 when unknown).
 */
export function scoreEpisode(
  episode: ContactEpisode,
  config: RiskModelConfig = DEFAULT_RISK_MODEL,
  timeZone = 'UTC',
): ScoredEpisode {
  assertTimeZone(timeZone, 'timeZone');
  const source = episode.source;
  const window = infectiousWindow(source.onsetDay, source.reportDay, config);
  const reportWeight = reportTypeWeight(source.reportType, config);

  let bucket: ContactBucket;
  let factor: number;
  let counted: TimeInterval | null;
  let reason: DropReason | null = null;
  let overlapMinutes = 0;
  let attenuation: number | null = null;
  let distance: number | null = null;
  let referenceMs: number; // instant used for the infectiousness shown on a dropped episode

  switch (episode.kind) {
    case 'proximity': {
      assertInterval(episode.interval, 'interval');
      const proximity = proximityWeight(episode.attenuationDb, config);
      bucket = proximity.bucket;
      factor = proximity.weight;
      attenuation = episode.attenuationDb;
      referenceMs = episode.interval.startMs;
      counted = episode.interval.endMs > episode.interval.startMs ? episode.interval : null;
      if (counted === null) reason = 'no_overlap';
      else overlapMinutes = (counted.endMs - counted.startMs) / MS_PER_MINUTE;
      break;
    }
    case 'venue': {
      assertInterval(episode.exposedStay, 'exposedStay');
      assertInterval(episode.sourceStay, 'sourceStay');
      bucket = 'same_venue';
      factor = config.venue.weight;
      const shared = overlap(episode.exposedStay, episode.sourceStay);
      referenceMs = shared?.startMs ?? episode.exposedStay.startMs;
      counted = null;
      if (shared === null) {
        reason = 'no_overlap';
      } else {
        overlapMinutes = (shared.endMs - shared.startMs) / MS_PER_MINUTE;
        if (roundMinutes(overlapMinutes) < config.venue.minimumStayMinutes) {
          reason = 'below_minimum_stay';
        } else {
          const capEnd = shared.startMs + config.venue.maximumMinutesPerEpisode * MS_PER_MINUTE;
          counted = { startMs: shared.startMs, endMs: Math.min(shared.endMs, capEnd) };
        }
      }
      break;
    }
    case 'gps': {
      assertInterval(episode.exposedPresence, 'exposedPresence');
      assertInterval(episode.sourcePresence, 'sourcePresence');
      bucket = 'gps_colocation';
      factor = config.gps.weight;
      distance = haversineMeters(episode.exposedPresence, episode.sourcePresence);
      const shared = overlap(episode.exposedPresence, episode.sourcePresence);
      referenceMs = shared?.startMs ?? episode.exposedPresence.startMs;
      counted = null;
      if (shared === null) {
        reason = 'no_overlap';
      } else {
        overlapMinutes = (shared.endMs - shared.startMs) / MS_PER_MINUTE;
        if (distance > config.gps.radiusMeters) reason = 'beyond_radius';
        else counted = shared;
      }
      break;
    }
    default: {
      const unknown: never = episode;
      throw new RangeError(`unknown episode kind ${show((unknown as { kind?: unknown }).kind)}`);
    }
  }

  const days: DayScore[] = [];
  if (counted !== null) {
    for (const piece of splitIntervalByDay(counted.startMs, counted.endMs, timeZone)) {
      const infectiousness = infectiousnessWeight(piece.day, window.onsetDay, config);
      days.push({
        day: piece.day,
        start_ms: piece.startMs,
        end_ms: piece.endMs,
        minutes: roundMinutes(piece.minutes),
        days_from_onset: infectiousness.daysFromOnset,
        infectiousness_level: infectiousness.level,
        infectiousness_weight: infectiousness.weight,
        weighted_minutes: roundMinutes(piece.minutes * factor * infectiousness.weight * reportWeight),
      });
    }
  }

  let shown: { level: InfectiousnessLevel; weight: number; daysFromOnset: number };
  const strongest = days.reduce<DayScore | undefined>(
    (best, day) => (best === undefined || day.infectiousness_weight > best.infectiousness_weight ? day : best),
    undefined,
  );
  if (strongest !== undefined) {
    shown = { level: strongest.infectiousness_level, weight: strongest.infectiousness_weight, daysFromOnset: strongest.days_from_onset };
  } else {
    shown = infectiousnessWeight(calendarDay(referenceMs, timeZone), window.onsetDay, config);
  }

  const minutes = roundMinutes(days.reduce((sum, day) => sum + (day.end_ms - day.start_ms), 0) / MS_PER_MINUTE);
  const weightedMinutes = roundMinutes(days.reduce((sum, day) => sum + day.weighted_minutes, 0));
  if (reason === null && weightedMinutes === 0) reason = 'zero_weight';

  return {
    model_version: config.version,
    kind: episode.kind,
    dropped: reason,
    minutes,
    overlap_minutes: roundMinutes(overlapMinutes),
    weighted_minutes: weightedMinutes,
    risk_level: riskLevel(weightedMinutes, config),
    proximity_bucket: bucket,
    proximity_weight: factor,
    infectiousness_level: shown.level,
    infectiousness_weight: shown.weight,
    days_from_onset: shown.daysFromOnset,
    report_type: source.reportType,
    report_type_weight: reportWeight,
    onset_day: window.onsetDay,
    onset_estimated: window.onsetEstimated,
    attenuation_db: attenuation,
    distance_meters: distance,
    days,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Per person per day
// ---------------------------------------------------------------------------------------------------------

/** One scored episode of one exposed person (spread a ScoredEpisode and add the person's id). */
export interface ExposedPersonEpisode {
  readonly exposed_user_id: string;
  readonly days: readonly Pick<DayScore, 'day' | 'weighted_minutes'>[];
}

export interface DailyTier {
  readonly exposed_user_id: string;
  readonly day: CalendarDay;
  /** Σ weighted minutes of all episodes of this person on this day, all sources together. */
  readonly weighted_minutes: number;
  readonly tier: RiskTier;
  /** Number of episodes contributing to this day. */
  readonly episodes: number;
}

/**
 * Sums weighted minutes per exposed person per calendar day over all episodes (all sources, all kinds) and
 * gives each the tier. Episodes crossing midnight contribute to each of their days separately. Sorted by
 * person, then day.
 */
export function aggregateDailyTiers(
  episodes: Iterable<ExposedPersonEpisode>,
  config: RiskModelConfig = DEFAULT_RISK_MODEL,
): DailyTier[] {
  const totals = new Map<string, { exposed_user_id: string; day: CalendarDay; sum: number; episodes: number }>();
  for (const episode of episodes) {
    const seenDays = new Set<string>();
    for (const piece of episode.days) {
      assertNonNegative(piece.weighted_minutes, 'weighted_minutes');
      const key = `${episode.exposed_user_id}\u0000${piece.day}`;
      let total = totals.get(key);
      if (total === undefined) {
        total = { exposed_user_id: episode.exposed_user_id, day: piece.day, sum: 0, episodes: 0 };
        totals.set(key, total);
      }
      total.sum += piece.weighted_minutes;
      if (!seenDays.has(piece.day)) {
        seenDays.add(piece.day);
        total.episodes += 1;
      }
    }
  }
  const result: DailyTier[] = [];
  for (const total of totals.values()) {
    const weightedMinutes = roundMinutes(total.sum);
    result.push({
      exposed_user_id: total.exposed_user_id,
      day: total.day,
      weighted_minutes: weightedMinutes,
      tier: tierFor(weightedMinutes, config),
      episodes: total.episodes,
    });
  }
  result.sort((a, b) =>
    a.exposed_user_id < b.exposed_user_id ? -1 : a.exposed_user_id > b.exposed_user_id ? 1 : a.day < b.day ? -1 : a.day > b.day ? 1 : 0,
  );
  return result;
}
