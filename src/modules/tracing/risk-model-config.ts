/**
 * The risk model's configuration: its shape (a TypeBox schema, which is also its type), version 1 of its numbers,
 * and the validation of a deployment's configuration (the schema, then the checks across fields it cannot express).
 */

import { KindGuard, Type, type Static, type TProperties, type TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { REPORT_TYPES, type ReportType } from '../../contracts/cases.js';

/** Bluetooth attenuation buckets: immediate (≤ 55 dB), near (≤ 67 dB), medium (≤ 75 dB), other. */
export type ProximityBucket = 'immediate' | 'near' | 'medium' | 'other';
export const PROXIMITY_BUCKETS: readonly ProximityBucket[] = Object.freeze(['immediate', 'near', 'medium', 'other']);

// ---------------------------------------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------------------------------------

/** A section of the configuration: an object of known settings only. */
const Section = <T extends TProperties>(properties: T) => Type.Object(properties, { additionalProperties: false });
const Weight = Type.Number({ minimum: 0 });
const weightsOf = <K extends string>(keys: readonly K[]) =>
  Section(Object.fromEntries(keys.map((key) => [key, Weight])) as Record<K, typeof Weight>);
const Positive = Type.Number({ exclusiveMinimum: 0 });
const DayOffset = Type.Integer();
const DayList = Type.Array(DayOffset);

const RiskModelConfigSchema = Section({
  /** Recorded with every risk; any change of a number below must come with a new version. */
  version: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$' }),
  /** Bluetooth proximity. A bucket's upper edge is inclusive: exactly 55 dB is immediate, 55.5 dB is near. */
  proximity: Section({
    immediateMaxAttenuationDb: Type.Number({ minimum: 0 }),
    nearMaxAttenuationDb: Type.Number({ minimum: 0 }),
    mediumMaxAttenuationDb: Type.Number({ minimum: 0 }),
    weights: weightsOf(PROXIMITY_BUCKETS),
  }),
  /** Same venue with overlapping stays (indoor co-presence). */
  venue: Section({
    weight: Weight,
    /** Episodes whose overlap of the two stays is shorter than this are dropped (see `scoreEpisode`). */
    minimumStayMinutes: Type.Number({ minimum: 0 }),
    /** At most this many minutes of one venue episode are counted. */
    maximumMinutesPerEpisode: Positive,
  }),
  /** GPS co-location: both reported points within `radiusMeters` (inclusive) during overlapping times. */
  gps: Section({ weight: Weight, radiusMeters: Positive }),
  /** Infectiousness by day of contact relative to the source's onset (day 0). Days in neither list: none (0). */
  infectiousness: Section({
    weights: Section({ high: Weight, standard: Weight }),
    highDays: DayList,
    standardDays: DayList,
  }),
  /** The source's infectious window, in days relative to onset, and the onset assumed when none is known. */
  infectiousWindow: Section({
    fromDaysFromOnset: DayOffset,
    toDaysFromOnset: DayOffset,
    /** No onset known: onset = report day − this many days (as the GAEN key server does). */
    unknownOnsetDaysBeforeReport: Type.Integer({ minimum: 0 }),
  }),
  reportTypeWeights: weightsOf<ReportType>(REPORT_TYPES),
  /** risk_level = 1 − exp(−weighted minutes / tau). */
  riskLevel: Section({ tauWeightedMinutes: Positive }),
  /** Per person per day, on the sum of weighted minutes of all episodes: high ≥ high, medium ≥ medium. */
  tiers: Section({ highMinWeightedMinutes: Positive, mediumMinWeightedMinutes: Positive }),
});

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export type RiskModelConfig = DeepReadonly<Static<typeof RiskModelConfigSchema>>;

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

// ---------------------------------------------------------------------------------------------------------
// Validation
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

/** A value as an error message shows it. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The sections in the order their issues are listed (the window before the days that must lie in it). */
const SECTION_ORDER = [
  'version',
  'proximity',
  'venue',
  'gps',
  'infectiousWindow',
  'infectiousness',
  'reportTypeWeights',
  'riskLevel',
  'tiers',
];

/** An issue found at `path` (setting names from the top, '' for the whole configuration). */
interface Issue {
  readonly path: string;
  readonly message: string;
}

/** The schema's answer, one sentence per setting: which settings are unknown, missing or out of range. */
function schemaIssues(input: unknown): Issue[] {
  const issues = new Map<string, string>();
  for (const error of Value.Errors(RiskModelConfigSchema, input)) {
    const keys = error.path
      .split('/')
      .slice(1)
      .map((key) => key.replace(/~1/g, '/').replace(/~0/g, '~'));
    const path = keys.join('.');
    if (issues.has(path)) continue; // a missing setting is reported twice (missing, then of the wrong type)
    if (error.type === ValueErrorType.ObjectAdditionalProperties) {
      const known = KindGuard.IsObject(error.schema) ? Object.keys(error.schema.properties) : [];
      issues.set(path, `${path} is not a known setting (expected one of: ${known.join(', ')})`);
      continue;
    }
    const parent = schemaAt(keys.slice(0, -1));
    if (parent !== undefined && KindGuard.IsArray(parent)) {
      issues.set(
        path,
        `${keys.slice(0, -1).join('.')} must contain whole days relative to onset, got ${showValue(error.value)}`,
      );
    } else {
      issues.set(path, describe(path, error.schema, error.value));
    }
  }
  return [...issues].map(([path, message]) => ({ path, message }));
}

function schemaAt(keys: readonly string[]): TSchema | undefined {
  let schema: TSchema | undefined = RiskModelConfigSchema;
  for (const key of keys) {
    if (schema === undefined) return undefined;
    schema = KindGuard.IsObject(schema) ? schema.properties[key] : KindGuard.IsArray(schema) ? schema.items : undefined;
  }
  return schema;
}

/** What is wrong with `value`, which `schema` (at `path`) refused. */
function describe(path: string, schema: TSchema, value: unknown): string {
  if (path === '') return `the risk model configuration must be an object, got ${showValue(value)}`;
  if (KindGuard.IsObject(schema)) return `${path} must be an object, got ${showValue(value)}`;
  if (KindGuard.IsString(schema))
    return `${path} must be 1-32 characters (letters, digits, '.', '_', '-'), such as "v1", got ${showValue(value)}`;
  if (KindGuard.IsArray(schema))
    return `${path} must be an array of whole days relative to onset, got ${showValue(value)}`;
  const bounds = schema as { minimum?: number; exclusiveMinimum?: number };
  if (typeof value !== 'number' || !Number.isFinite(value))
    return `${path} must be a finite number, got ${showValue(value)}`;
  if (KindGuard.IsInteger(schema) && !Number.isInteger(value))
    return `${path} must be a whole number of days, got ${value}`;
  if (bounds.minimum !== undefined && value < bounds.minimum)
    return `${path} must be a finite number ≥ ${bounds.minimum}, got ${value}`;
  return `${path} must be a finite number > ${bounds.exclusiveMinimum}, got ${value}`;
}

/** What the schema cannot say: the order of thresholds, and each infectious day listed once and inside the window. */
function crossFieldIssues(config: Record<string, unknown>, refused: ReadonlySet<string>): Issue[] {
  const issues: Issue[] = [];
  const issue = (path: string, message: string) => issues.push({ path, message });
  const valueAt = (path: string): unknown =>
    path.split('.').reduce<unknown>((value, key) => (isPlainObject(value) ? value[key] : undefined), config);
  // A setting the schema accepted; null when it refused it (already reported) or its section.
  const number = (path: string): number | null => {
    const value = valueAt(path);
    return typeof value === 'number' && !refused.has(path) ? value : null;
  };
  const atMost = (lower: string, upper: string, message: (lo: number, hi: number) => string) => {
    const lo = number(lower);
    const hi = number(upper);
    if (lo !== null && hi !== null && lo > hi) issue(lower, message(lo, hi));
  };

  atMost(
    'proximity.immediateMaxAttenuationDb',
    'proximity.nearMaxAttenuationDb',
    (lo, hi) => `proximity.immediateMaxAttenuationDb (${lo}) must not exceed proximity.nearMaxAttenuationDb (${hi})`,
  );
  atMost(
    'proximity.nearMaxAttenuationDb',
    'proximity.mediumMaxAttenuationDb',
    (lo, hi) => `proximity.nearMaxAttenuationDb (${lo}) must not exceed proximity.mediumMaxAttenuationDb (${hi})`,
  );
  atMost(
    'venue.minimumStayMinutes',
    'venue.maximumMinutesPerEpisode',
    (lo, hi) => `venue.maximumMinutesPerEpisode (${hi}) must be at least venue.minimumStayMinutes (${lo})`,
  );
  atMost(
    'infectiousWindow.fromDaysFromOnset',
    'infectiousWindow.toDaysFromOnset',
    (lo, hi) => `infectiousWindow.fromDaysFromOnset (${lo}) must not be after infectiousWindow.toDaysFromOnset (${hi})`,
  );

  const from = number('infectiousWindow.fromDaysFromOnset');
  const to = number('infectiousWindow.toDaysFromOnset');
  const seen = new Map<number, string>();
  for (const key of ['highDays', 'standardDays'] as const) {
    const days = valueAt(`infectiousness.${key}`);
    if (!Array.isArray(days)) continue;
    for (const day of days as unknown[]) {
      if (typeof day !== 'number' || !Number.isInteger(day)) continue;
      const previous = seen.get(day);
      if (previous !== undefined) {
        issue(
          'infectiousness',
          `day ${day} appears in infectiousness.${key} and in infectiousness.${previous}; list each day once`,
        );
        continue;
      }
      seen.set(day, key);
      if (from !== null && to !== null && (day < from || day > to)) {
        issue(
          'infectiousness',
          `infectiousness.${key} contains day ${day}, outside the infectious window ${from}..${to} (infectiousWindow), so it could never be traced`,
        );
      }
    }
  }

  atMost(
    'tiers.mediumMinWeightedMinutes',
    'tiers.highMinWeightedMinutes',
    (lo, hi) => `tiers.highMinWeightedMinutes (${hi}) must be at least tiers.mediumMinWeightedMinutes (${lo})`,
  );
  return issues;
}

/**
 * Every problem with a candidate configuration, as readable sentences naming the offending path
 * (e.g. "proximity.weights.near must be a finite number ≥ 0, got -1"). Empty when the configuration is valid.
 */
export function riskModelConfigIssues(input: unknown): string[] {
  const found = schemaIssues(input);
  if (!isPlainObject(input)) return found.map((i) => i.message);
  const all = [...found, ...crossFieldIssues(input, new Set(found.map((i) => i.path)))];
  // Grouped by section (a stable sort), unknown top-level settings first.
  const rank = (issue: Issue) => SECTION_ORDER.indexOf(issue.path.split('.')[0]!);
  return all.sort((a, b) => rank(a) - rank(b)).map((issue) => issue.message);
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
  if (issues.length === 0 && isPlainObject(merged) && merged.version === base.version) {
    const { version: _ignored, ...rest } = merged;
    const { version: _baseVersion, ...baseRest } = base;
    if (!sameJson(rest, baseRest)) {
      issues.push(
        `the overrides change the model but keep version ${showValue(base.version)}; set a new version (e.g. "${base.version}-local.1")`,
      );
    }
  }
  if (issues.length > 0) throw new RiskModelConfigError(issues);
  return deepFreeze(deepClone(merged as RiskModelConfig));
}
