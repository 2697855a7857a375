import type {
  PublicAggregate,
  PublicQuery,
  RtQuery,
  RtResult,
  Summary,
  SummaryQuery,
} from '../../contracts/analytics.js';
import { MAX_SI_DISTR_ENTRIES } from '../../contracts/analytics.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import type { EpidemicCases } from '../cases/epidemic-cases.js';
import { addDays, calendarDay, dayDifference, isValidDay } from '../../platform/time/calendar.js';
import {
  INDICATOR_LOOKBACK_DAYS,
  OUTCOME_FOLLOW_UP_DAYS,
  daysBetween,
  indicatorsAt,
  parseSerialIntervalList,
  ratio,
  suppressionMask,
  weekStartOf,
} from './model.js';
import type { AnalyticsRepository } from './repository.js';
import { RtInputError, estimateRt, shortestSeriesForEstimate, type SerialIntervalSpec } from './rt.js';

/** Longest period a summary or an Rt series may cover (days). */
export const MAX_PERIOD_DAYS = 3660;
/** Longest period of the public aggregate (days). */
export const MAX_PUBLIC_PERIOD_DAYS = 366;
const DEFAULT_PERIOD_DAYS = 28;
const EARLIEST_DAY = '1900-01-01';

export interface AnalyticsReadSettings {
  readonly timeZone: string;
  /** k: counts from 1 to k-1 are never published. */
  readonly publicMinCases: number;
  readonly publicCellResolution: number;
}

/** Who reads analytics: authorities and health professionals (aggregates only). */
function assertAnalyticsReader(actor: AuthenticatedPrincipal): void {
  if (actor.kind !== 'staff' || (actor.role !== 'authority' && actor.role !== 'health_professional')) {
    throw forbidden(
      'analytics are read by authorities and health professionals; the public aggregate is GET /analytics/public',
    );
  }
}

/** Checks a [from, to] query period; `to` defaults to `latest`, `from` to a 28-day period. */
function period(
  query: { from?: string; to?: string },
  latest: string,
  maxDays: number,
  latestWhy: string,
): { from: string; to: string } {
  for (const field of ['from', 'to'] as const) {
    const value = query[field];
    if (value !== undefined && (!isValidDay(value) || value < EARLIEST_DAY))
      throw badRequest(`querystring/${field} must be a calendar date from ${EARLIEST_DAY}`);
  }
  const to = query.to ?? latest;
  if (to > latest) throw badRequest(`querystring/to may not be after ${latest} (${latestWhy})`);
  const from = query.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  if (from > to) throw badRequest('querystring/from must not be after to');
  if (dayDifference(to, from) + 1 > maxDays)
    throw badRequest(`the period from ${from} to ${to} is longer than ${maxDays} days`);
  return { from, to };
}

/** Why there is no Rt estimate yet, in words: how many days of cases it needs and how many there are. */
function rtNeedsMore(needsDays: number, haveDays: number, period = false): string {
  const none = period ? 'there is no case in the period' : 'there is no case yet';
  const have = haveDays === 0 ? none : `the cases so far span ${haveDays} day${haveDays === 1 ? '' : 's'}`;
  return `Rt needs at least ${needsDays} days of cases; ${have}.`;
}

export class AnalyticsService {
  constructor(
    private readonly analytics: AnalyticsRepository,
    private readonly epidemic: EpidemicCases,
    private readonly settings: AnalyticsReadSettings,
  ) {}

  private today(): string {
    return calendarDay(Date.now(), this.settings.timeZone);
  }

  /** The epidemic day by day (counts kept current by the engine), its indicators, and notification outcomes. */
  async summary(actor: AuthenticatedPrincipal, query: SummaryQuery): Promise<Summary> {
    assertAnalyticsReader(actor);
    const { from, to } = period(query, this.today(), MAX_PERIOD_DAYS, 'today');
    const historyStart = addDays(from, -INDICATOR_LOOKBACK_DAYS);
    const stored = new Map((await this.analytics.insightsBetween(historyStart, to)).map((r) => [r.date, r]));
    const allDays = daysBetween(historyStart, to);
    const series = allDays.map((day) => Number(stored.get(day)?.cases ?? 0));
    const totals = {
      cases: 0,
      cases_by_onset: 0,
      symptom_reports: 0,
      traced_cases: 0,
      contacts_traced: 0,
      notified: 0,
    };
    const days = allDays.slice(INDICATOR_LOOKBACK_DAYS).map((date, k) => {
      const row = stored.get(date);
      const counts = {
        cases: Number(row?.cases ?? 0),
        cases_by_onset: Number(row?.cases_by_onset ?? 0),
        symptom_reports: Number(row?.symptom_reports ?? 0),
        traced_cases: Number(row?.traced_cases ?? 0),
        contacts_traced: Number(row?.contacts_traced ?? 0),
        notified: Number(row?.notified ?? 0),
      };
      for (const key of Object.keys(totals) as Array<keyof typeof totals>) totals[key] += counts[key];
      return {
        date,
        ...counts,
        contacts_per_case: ratio(counts.contacts_traced, counts.traced_cases),
        notified_per_case: ratio(counts.notified, counts.traced_cases),
        ...indicatorsAt(series, k + INDICATOR_LOOKBACK_DAYS),
      };
    });
    const outcomes = new Map<'medium' | 'high', { notified: number; became_cases: number }>([
      ['medium', { notified: 0, became_cases: 0 }],
      ['high', { notified: 0, became_cases: 0 }],
    ]);
    for (const row of await this.analytics.outcomesBetween(from, to)) {
      const tier = outcomes.get(row.tier);
      if (tier === undefined) continue;
      tier.notified += Number(row.notified);
      tier.became_cases += Number(row.became_cases);
    }
    return {
      from,
      to,
      time_zone: this.settings.timeZone,
      days,
      totals,
      notification_outcomes: {
        follow_up_days: OUTCOME_FOLLOW_UP_DAYS,
        tiers: [...outcomes].map(([tier, c]) => ({
          tier,
          notified: c.notified,
          became_cases: c.became_cases,
          share: ratio(c.became_cases, c.notified),
        })),
      },
    };
  }

  /** Rt by Cori et al. (2013) with EpiEstim's conventions, on the daily incidence of every case (app and line list). */
  async rt(actor: AuthenticatedPrincipal, query: RtQuery): Promise<RtResult> {
    assertAnalyticsReader(actor);
    const serialInterval = this.serialIntervalOf(query);
    const dates = query.dates ?? 'onset';
    const window = query.window ?? 7;
    const today = this.today();
    for (const field of ['from', 'to'] as const) {
      const value = query[field];
      if (value !== undefined && (!isValidDay(value) || value < EARLIEST_DAY))
        throw badRequest(`querystring/${field} must be a calendar date from ${EARLIEST_DAY}`);
    }
    const to = query.to ?? today;
    if (to > today) throw badRequest(`querystring/to may not be after today (${today})`);
    if (query.from !== undefined && query.from > to) throw badRequest('querystring/from must not be after to');
    // Onsets come before reports: any case reported up to today may have its onset in the period.
    const reportedTo = dates === 'onset' ? today : to;
    const cases = await this.epidemic.reportedBetween(query.from ?? EARLIEST_DAY, reportedTo);
    const dated = cases.map((c) => (dates === 'onset' ? c.onset_date : c.report_date));
    const known = dated.filter(
      (d): d is string => d !== null && d <= to && (query.from === undefined || d >= query.from),
    );
    const from = query.from ?? known.reduce<string | null>((min, d) => (min === null || d < min ? d : min), null);
    const method: RtResult['method'] = serialInterval.kind === 'parametric' ? 'parametric_si' : 'non_parametric_si';
    const needsDays = this.rtNeedsDays(serialInterval, window);
    if (from === null) {
      return {
        from: null,
        to,
        dates,
        window,
        method,
        serial_interval: { mean: 0, sd: 0 },
        incidence: [],
        cases_without_onset: 0,
        estimates: [],
        needs_days: needsDays,
        reason: rtNeedsMore(needsDays, 0, query.from !== undefined || query.to !== undefined),
        warnings: ['no case in the period: nothing to estimate'],
      };
    }
    const length = dayDifference(to, from) + 1;
    if (length > MAX_PERIOD_DAYS)
      throw badRequest(`the series from ${from} to ${to} is longer than ${MAX_PERIOD_DAYS} days; pass a later from`);
    const incidence = new Array<number>(length).fill(0);
    for (const day of known) if (day >= from) incidence[dayDifference(day, from)]! += 1;
    const withoutOnset =
      dates === 'onset'
        ? cases.filter((c) => c.onset_date === null && c.report_date >= from && c.report_date <= to).length
        : 0;
    // Too few days since the first case for one window: not an error of the request, the data is not there yet. A
    // period the caller chose (from) that cannot hold one window is their error (400 below).
    // What every answer says of the series, with or without estimates.
    const series = {
      from,
      to,
      dates,
      window,
      method,
      incidence,
      cases_without_onset: withoutOnset,
      needs_days: needsDays,
    };
    if (query.from === undefined && length < needsDays) {
      return {
        ...series,
        serial_interval: { mean: 0, sd: 0 },
        estimates: [],
        reason: rtNeedsMore(needsDays, length),
        warnings: [],
      };
    }
    try {
      const result = estimateRt({
        incidence,
        serialInterval,
        window,
        ...(query.mean_prior !== undefined ? { meanPrior: query.mean_prior } : {}),
        ...(query.std_prior !== undefined ? { stdPrior: query.std_prior } : {}),
      });
      return {
        ...series,
        serial_interval: { mean: result.siMean, sd: result.siSd },
        estimates: result.estimates.map(({ posterior_shape: _shape, posterior_scale: _scale, ...e }) => ({
          ...e,
          start_date: addDays(from, e.t_start - 1),
          end_date: addDays(from, e.t_end - 1),
        })),
        reason: result.estimates.length > 0 ? null : rtNeedsMore(needsDays, length),
        warnings: result.warnings,
      };
    } catch (error) {
      if (error instanceof RtInputError) throw badRequest(error.message);
      throw error;
    }
  }

  /** Fewest days from the first case to `to` that give one Rt estimate (the window's length + 1 at least). */
  private rtNeedsDays(serialInterval: SerialIntervalSpec, window: number): number {
    try {
      return shortestSeriesForEstimate(serialInterval, window, MAX_PERIOD_DAYS) ?? window + 1;
    } catch (error) {
      if (error instanceof RtInputError) throw badRequest(error.message);
      throw error;
    }
  }

  private serialIntervalOf(query: RtQuery): SerialIntervalSpec {
    const parametric = query.si_mean !== undefined || query.si_sd !== undefined;
    if (parametric && query.si_distr !== undefined)
      throw badRequest(
        'give either si_mean and si_sd (parametric serial interval) or si_distr (empirical distribution), not both',
      );
    if (query.si_distr !== undefined) {
      const parsed = parseSerialIntervalList(query.si_distr, MAX_SI_DISTR_ENTRIES);
      if (typeof parsed === 'string') throw badRequest(`querystring/si_distr ${parsed}`);
      return { kind: 'non_parametric', distribution: parsed };
    }
    if (query.si_mean === undefined || query.si_sd === undefined) {
      throw badRequest(
        'the serial interval is needed: si_mean and si_sd (parametric), or si_distr (empirical distribution)',
      );
    }
    return { kind: 'parametric', mean: query.si_mean, sd: query.si_sd };
  }

  /**
   * The public aggregate: completed days and weeks only, every count from 1 to k-1 suppressed, with the
   * complementary suppression of {@link suppressionMask} applied per week (days of a week, cells of a week), so a
   * suppressed count cannot be worked out from the others. Suppression depends on whole weeks, never on the period
   * asked for, so different periods cannot be played against each other.
   */
  async publicAggregate(query: PublicQuery): Promise<PublicAggregate> {
    const yesterday = addDays(this.today(), -1);
    const { from, to } = period(query, yesterday, MAX_PUBLIC_PERIOD_DAYS, 'only completed days are published');
    const k = this.settings.publicMinCases;
    const firstWeek = weekStartOf(from);
    const lastWeekEnd = addDays(weekStartOf(to), 6);
    const stored = new Map(
      (await this.analytics.insightsBetween(firstWeek, lastWeekEnd)).map((r) => [r.date, Number(r.cases)]),
    );
    const days: PublicAggregate['days'] = [];
    for (let week = firstWeek; week <= to; week = addDays(week, 7)) {
      // Days of the week not yet complete count in the week's suppression as they are now; they are never shown.
      const weekDays = daysBetween(week, addDays(week, 6));
      const counts = weekDays.map((d) => (d <= yesterday ? (stored.get(d) ?? 0) : 0));
      const mask = suppressionMask(counts, k);
      weekDays.forEach((date, i) => {
        if (date < from || date > to) return;
        days.push(mask[i] ? { date, cases: null, suppressed: true } : { date, cases: counts[i]!, suppressed: false });
      });
    }
    const cells: PublicAggregate['cells'] = [];
    const completeWeeksEnd = addDays(weekStartOf(this.today()), -1);
    // biome-ignore lint/complexity/useMathMinMax: these are YYYY-MM-DD strings, which Math.min cannot compare
    const lastComplete = lastWeekEnd < completeWeeksEnd ? lastWeekEnd : completeWeeksEnd;
    const cellRows = await this.analytics.cellDaysBetween(firstWeek, lastComplete);
    const byWeek = new Map<string, Map<string, number>>();
    for (const row of cellRows) {
      const week = weekStartOf(row.date);
      const cellsOfWeek = byWeek.get(week) ?? new Map<string, number>();
      cellsOfWeek.set(row.cell, (cellsOfWeek.get(row.cell) ?? 0) + Number(row.cases));
      byWeek.set(week, cellsOfWeek);
    }
    for (const [week, cellsOfWeek] of [...byWeek].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const entries = [...cellsOfWeek].sort(([a], [b]) => (a < b ? -1 : 1));
      const mask = suppressionMask(
        entries.map(([, n]) => n),
        k,
      );
      entries.forEach(([cell, n], i) => {
        if (!mask[i]) cells.push({ week_start: week, cell, cases: n });
      });
    }
    return { min_cases: k, from, to, cell_resolution: this.settings.publicCellResolution, days, cells };
  }
}
