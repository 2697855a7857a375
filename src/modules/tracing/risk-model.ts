/**
 * Risk model v1: scoring of contact episodes and per-day tiers (its versioned configuration: risk-model-config.ts).
 *
 * Pure functions, no I/O. Defaults follow GAEN v2 / Corona-Warn-App practice (see docs/tracing.md,
 * steps Score and Notify):
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
import { REPORT_TYPES, type ReportType } from '../../contracts/cases.js';
import { DEFAULT_RISK_MODEL, showValue, type ProximityBucket, type RiskModelConfig } from './risk-model-config.js';

export { REPORT_TYPES, type ReportType } from '../../contracts/cases.js';
export {
  DEFAULT_RISK_MODEL,
  PROXIMITY_BUCKETS,
  RISK_MODEL_V1,
  RiskModelConfigError,
  resolveRiskModelConfig,
  riskModelConfigIssues,
  validateRiskModelConfig,
  type ProximityBucket,
  type RiskModelConfig,
  type RiskModelConfigOverrides,
} from './risk-model-config.js';

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

/** The "proximity bucket" recorded for an episode: an attenuation bucket, or the kind of location co-presence. */
export type ContactBucket = ProximityBucket | 'same_venue' | 'gps_colocation';

export type InfectiousnessLevel = 'high' | 'standard' | 'none';
export type RiskTier = 'high' | 'medium' | 'low';

/** risk_level is stored as DECIMAL(3,2). */
export const RISK_LEVEL_DECIMALS = 2;
/** Minutes and weighted minutes are rounded to this many decimal places. */
export const MINUTES_DECIMALS = 6;

// ---------------------------------------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------------------------------------

/**
 * Rounds half away from zero to `places` decimals, robust to binary floating point: the scaled value is first
 * cleaned to 15 significant digits, so 0.285 (stored as 0.28499999999999998) rounds to 0.29 and 1.005 to 1.01.
 */
export function roundHalfUp(value: number, places: number): number {
  if (!Number.isFinite(value)) throw new RangeError(`cannot round ${value}`);
  if (!Number.isInteger(places) || places < 0 || places > 15)
    throw new RangeError(`places must be an integer 0..15, got ${places}`);
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
    throw new RangeError(`${what} must be a finite number ≥ 0, got ${showValue(value)}`);
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
    throw new RangeError(`attenuationDb must be a finite number, got ${showValue(attenuationDb)}`);
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
    throw new RangeError(`reportType must be one of ${REPORT_TYPES.join(', ')}, got ${showValue(reportType)}`);
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
  if (
    typeof startMs !== 'number' ||
    !Number.isFinite(startMs) ||
    typeof endMs !== 'number' ||
    !Number.isFinite(endMs)
  ) {
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
      throw new RangeError(`unknown episode kind ${showValue((unknown as { kind?: unknown }).kind)}`);
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
    shown = {
      level: strongest.infectiousness_level,
      weight: strongest.infectiousness_weight,
      daysFromOnset: strongest.days_from_onset,
    };
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
    a.exposed_user_id < b.exposed_user_id
      ? -1
      : a.exposed_user_id > b.exposed_user_id
        ? 1
        : a.day < b.day
          ? -1
          : a.day > b.day
            ? 1
            : 0,
  );
  return result;
}
