/**
 * Pure rules of the analytics engine (no I/O): daily indicators, notification outcomes, small-count suppression
 * and the parsing of an empirical serial interval. Unit-tested with exact numbers in test/unit/analytics-model.test.ts.
 */
import { MS_PER_DAY, addDays, dayFromNumber, dayNumber } from '../../platform/time/calendar.js';

/** Days of history a day's indicators look back on: this week (7 days ending that day) and the week before. */
export const INDICATOR_LOOKBACK_DAYS = 13;

/** A notified person counts as having become a case when their case was reported within this many days. */
export const OUTCOME_FOLLOW_UP_DAYS = 14;

/** H3 resolution of the cells in the public aggregate (about 5 km² a cell), or the stored one if coarser. */
export const PUBLIC_CELL_RESOLUTION = 7;

export interface DailyIndicators {
  /** Mean daily cases over the 7 days ending on the day. */
  readonly cases_7day_avg: number;
  /** Daily growth rate from the week-on-week ratio, or null when either week has no case. */
  readonly growth_rate: number | null;
  /** ln 2 / growth_rate when growth_rate > 0, else null. */
  readonly doubling_time_days: number | null;
}

/**
 * Indicators of day `i` of a daily case series (by report date; days before index 0 count as 0 cases).
 *
 * Growth rate: the week-on-week ratio, not a log-linear fit. With C = cases in the 7 days ending on the day and
 * C' = cases in the 7 days before those, r = ln(C / C') / 7 per day, the constant exponential rate that turns C'
 * into C in one week; it is undefined (null) when C or C' is 0. Weekly sums remove the day-of-week reporting
 * pattern that a daily log-linear fit would mistake for growth, and the result is exactly reproducible by hand.
 * Doubling time = ln 2 / r for r > 0 (a shrinking epidemic has none: null).
 */
export function indicatorsAt(series: readonly number[], i: number): DailyIndicators {
  const sum = (from: number, to: number) => {
    let total = 0;
    for (let j = Math.max(0, from); j <= to; j++) total += series[j] ?? 0;
    return total;
  };
  const thisWeek = sum(i - 6, i);
  const lastWeek = sum(i - 13, i - 7);
  const growth = thisWeek > 0 && lastWeek > 0 ? Math.log(thisWeek / lastWeek) / 7 : null;
  return {
    cases_7day_avg: thisWeek / 7,
    growth_rate: growth,
    doubling_time_days: growth !== null && growth > 0 ? Math.LN2 / growth : null,
  };
}

/** numerator / denominator, or null when the denominator is 0. */
export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

export type NotifiedTier = 'medium' | 'high';

export interface NotificationFact {
  readonly user_id: string;
  readonly tier: NotifiedTier;
  readonly created_at: number;
}

export interface CaseCreation {
  readonly user_id: string;
  readonly created_at: number;
}

export interface OutcomeCount {
  readonly day: string;
  readonly tier: NotifiedTier;
  readonly notified: number;
  readonly became_cases: number;
}

/**
 * Notification outcomes: for each tier, the people notified at that tier, counted once, on the day of their first
 * notification at the tier (`dayOf`), and how many of them had a case created after that notification and within
 * `followUpDays` days of it. A case created before the notification (the person was already a case) does not count.
 * A person notified at medium, then at high, counts in both tiers. Rows come out sorted by day, then tier.
 */
export function notificationOutcomes(
  notifications: readonly NotificationFact[],
  cases: readonly CaseCreation[],
  dayOf: (epochMs: number) => string,
  followUpDays: number = OUTCOME_FOLLOW_UP_DAYS,
): OutcomeCount[] {
  const first = new Map<string, NotificationFact>();
  for (const n of notifications) {
    const key = `${n.user_id}|${n.tier}`;
    const seen = first.get(key);
    if (seen === undefined || n.created_at < seen.created_at) first.set(key, n);
  }
  const casesOf = new Map<string, number[]>();
  for (const c of cases) casesOf.set(c.user_id, [...(casesOf.get(c.user_id) ?? []), c.created_at]);
  const followUpMs = followUpDays * MS_PER_DAY;
  const counts = new Map<string, { day: string; tier: NotifiedTier; notified: number; became_cases: number }>();
  for (const n of first.values()) {
    const day = dayOf(n.created_at);
    const key = `${day}|${n.tier}`;
    const count = counts.get(key) ?? { day, tier: n.tier, notified: 0, became_cases: 0 };
    count.notified += 1;
    if ((casesOf.get(n.user_id) ?? []).some((at) => at > n.created_at && at <= n.created_at + followUpMs))
      count.became_cases += 1;
    counts.set(key, count);
  }
  return [...counts.values()].sort((a, b) => (a.day === b.day ? a.tier.localeCompare(b.tier) : a.day < b.day ? -1 : 1));
}

/**
 * Which of a group of counts to suppress so that none of 1..k-1 can be seen or worked out from the group's total.
 * Primary: every count from 1 to k-1. Secondary: while the suppressed counts add up to 1..k-1 (someone knowing the
 * group's total could subtract the shown counts and learn them), the smallest shown non-zero count is suppressed
 * too (the first, on a tie). Zero is always shown: it concerns nobody. Returns one flag per count, true = suppressed.
 */
export function suppressionMask(counts: readonly number[], k: number): boolean[] {
  const hidden = counts.map((c) => c > 0 && c < k);
  let hiddenTotal = counts.reduce((sum, c, i) => (hidden[i] ? sum + c : sum), 0);
  while (hiddenTotal > 0 && hiddenTotal < k) {
    let pick = -1;
    counts.forEach((c, i) => {
      if (!hidden[i] && c > 0 && (pick === -1 || c < counts[pick]!)) pick = i;
    });
    if (pick === -1) break;
    hidden[pick] = true;
    hiddenTotal += counts[pick]!;
  }
  return hidden;
}

/** The Monday starting the (ISO) week of a day. */
export function weekStartOf(day: string): string {
  // Day number 0, 1970-01-01, was a Thursday: (n + 3) mod 7 is the number of days since Monday.
  const n = dayNumber(day);
  return addDays(day, -(((n + 3) % 7) + 7) % 7);
}

/** Every day from `from` to `to`, inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let n = dayNumber(from), end = dayNumber(to); n <= end; n++) out.push(dayFromNumber(n));
  return out;
}

/** Sorted days grouped into runs of consecutive days, as [first, last] pairs. */
export function consecutiveRuns(days: Iterable<string>): Array<[string, string]> {
  const sorted = [...new Set(days)].sort();
  const runs: Array<[string, string]> = [];
  for (const day of sorted) {
    const last = runs.at(-1);
    if (last !== undefined && addDays(last[1], 1) === day) last[1] = day;
    else runs.push([day, day]);
  }
  return runs;
}

/**
 * The comma-separated empirical serial interval of the `si_distr` query parameter, as numbers.
 * Returns the problem instead when an entry is not a finite number.
 */
export function parseSerialIntervalList(text: string, maxEntries: number): number[] | string {
  const parts = text.split(',');
  if (parts.length > maxEntries) return `has ${parts.length} entries; at most ${maxEntries} are allowed`;
  const values: number[] = [];
  for (const [i, part] of parts.entries()) {
    const value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(part) ? Number(part) : Number.NaN;
    if (!Number.isFinite(value)) return `entry ${i} ("${part}") is not a number`;
    values.push(value);
  }
  return values;
}
