import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate } from './common.js';

const date = (description: string) => Type.String({ format: 'date', maxLength: 10, description });

/**
 * Analytics (aggregates only: no response here ever names a person) and the line-list import.
 * Dates are calendar days (YYYY-MM-DD) in the deployment's TIME_ZONE.
 */

// ---------------------------------------------------------------------------------------------------------
// GET /analytics/summary
// ---------------------------------------------------------------------------------------------------------

export const SummaryQuery = Type.Object(
  {
    from: Type.Optional(date('First day (default: 27 days before `to`)')),
    to: Type.Optional(date('Last day, not after today (default: today)')),
  },
  { additionalProperties: false },
);
export type SummaryQuery = Static<typeof SummaryQuery>;

const NullableNumber = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });

export const SummaryDay = Type.Object({
  date: CalendarDate,
  cases: Type.Integer({ description: 'Cases reported that day (app cases and imported line-list cases)' }),
  cases_by_onset: Type.Integer({
    description: 'Cases whose symptoms began that day (cases without a known onset are not counted)',
  }),
  symptom_reports: Type.Integer({ description: 'Symptom reports received that day' }),
  traced_cases: Type.Integer({ description: 'App cases reported that day: those whose contacts are traced' }),
  contacts_traced: Type.Integer({ description: 'Distinct people found exposed to the cases reported that day' }),
  notified: Type.Integer({ description: 'Of those contacts, how many were sent an exposure notification' }),
  contacts_per_case: NullableNumber('contacts_traced / traced_cases; null without traced cases'),
  notified_per_case: NullableNumber('notified / traced_cases; null without traced cases'),
  cases_7day_avg: Type.Number({ description: 'Mean daily cases (by report date) over the 7 days ending that day' }),
  growth_rate: NullableNumber(
    'Daily exponential growth rate r = ln(C_week / C_previous_week) / 7, C = cases reported in the 7 days ending that day and in the 7 before; null when either week has no case',
  ),
  doubling_time_days: NullableNumber('ln 2 / growth_rate when the epidemic grows (growth_rate > 0); null otherwise'),
});

export const NotificationOutcome = Type.Object({
  tier: Type.Union([Type.Literal('medium'), Type.Literal('high')]),
  notified: Type.Integer({ description: 'People first notified at this tier within the period' }),
  became_cases: Type.Integer({
    description: 'Of those, people who became a case within the follow-up after the notification',
  }),
  share: NullableNumber('became_cases / notified; null when nobody was notified'),
});

export const Summary = Type.Object({
  from: CalendarDate,
  to: CalendarDate,
  time_zone: Type.String(),
  days: Type.Array(SummaryDay),
  totals: Type.Object({
    cases: Type.Integer(),
    cases_by_onset: Type.Integer(),
    symptom_reports: Type.Integer(),
    traced_cases: Type.Integer(),
    contacts_traced: Type.Integer(),
    notified: Type.Integer(),
  }),
  notification_outcomes: Type.Object({
    follow_up_days: Type.Integer({
      description:
        'A notified person counts as having become a case when their case was reported within this many days after the notification',
    }),
    tiers: Type.Array(NotificationOutcome),
  }),
});
export type Summary = Static<typeof Summary>;

// ---------------------------------------------------------------------------------------------------------
// GET /analytics/rt
// ---------------------------------------------------------------------------------------------------------

export const MAX_SI_DISTR_ENTRIES = 366;

export const RtQuery = Type.Object(
  {
    si_mean: Type.Optional(
      Type.Number({
        exclusiveMinimum: 1,
        maximum: 365,
        description: 'Mean of the parametric (shifted gamma) serial interval, days; with si_sd',
      }),
    ),
    si_sd: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 365,
        description: 'Standard deviation of the parametric serial interval, days; with si_mean',
      }),
    ),
    si_distr: Type.Optional(
      Type.String({
        maxLength: 8000,
        pattern: '^[0-9.eE+-]+(,[0-9.eE+-]+)*$',
        description: `Empirical serial-interval distribution instead: comma-separated P(SI = 0, 1, 2, ... days), first 0, summing to 1 (at most ${MAX_SI_DISTR_ENTRIES} entries)`,
      }),
    ),
    window: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 365, default: 7, description: 'Length of the sliding windows, days' }),
    ),
    from: Type.Optional(date('Day 1 of the incidence series (default: the first case)')),
    to: Type.Optional(date('Last day of the series, not after today (default: today)')),
    dates: Type.Optional(
      Type.Union([Type.Literal('onset'), Type.Literal('report')], {
        default: 'onset',
        description:
          'Count cases by symptom onset date (cases without one are left out and counted in cases_without_onset) or by report date',
      }),
    ),
    mean_prior: Type.Optional(
      Type.Number({ exclusiveMinimum: 0, maximum: 1000, description: 'Mean of the gamma prior on R (default 5)' }),
    ),
    std_prior: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1000,
        description: 'Standard deviation of the gamma prior on R (default 5)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type RtQuery = Static<typeof RtQuery>;

export const RtWindowEstimate = Type.Object({
  t_start: Type.Integer({ description: 'First day of the window, numbered from day 1 = `from` (EpiEstim convention)' }),
  t_end: Type.Integer({ description: 'Last day of the window (inclusive)' }),
  start_date: CalendarDate,
  end_date: CalendarDate,
  mean: Type.Number(),
  std: Type.Number(),
  quantile_0_025: Type.Number(),
  quantile_0_05: Type.Number(),
  quantile_0_25: Type.Number(),
  quantile_0_5: Type.Number({ description: 'Posterior median' }),
  quantile_0_75: Type.Number(),
  quantile_0_95: Type.Number(),
  quantile_0_975: Type.Number(),
});

export const RtResult = Type.Object({
  from: Type.Union([CalendarDate, Type.Null()], {
    description: 'Day 1 of the series; null when there is no case to start from',
  }),
  to: CalendarDate,
  dates: Type.Union([Type.Literal('onset'), Type.Literal('report')]),
  window: Type.Integer(),
  method: Type.Union([Type.Literal('parametric_si'), Type.Literal('non_parametric_si')]),
  serial_interval: Type.Object({
    mean: Type.Number({ description: 'Mean of the discrete serial-interval distribution used (EpiEstim SI.Moments)' }),
    sd: Type.Number(),
  }),
  incidence: Type.Array(Type.Integer(), {
    description: 'Daily case counts from `from` to `to` (day 1 first); day 1 counts as imported',
  }),
  cases_without_onset: Type.Integer({
    description: 'Cases in the period left out because their onset date is unknown (dates=onset)',
  }),
  estimates: Type.Array(RtWindowEstimate),
  needs_days: Type.Integer({
    description:
      'Fewest days the series (from its first case to `to`) needs for one estimate with this window and serial interval',
  }),
  reason: Type.Union([Type.String(), Type.Null()], {
    description:
      'Why there is no estimate, in words (e.g. "Rt needs at least 8 days of cases; the cases so far span 3 days."); null when there are estimates',
  }),
  warnings: Type.Array(Type.String()),
});
export type RtResult = Static<typeof RtResult>;

// ---------------------------------------------------------------------------------------------------------
// GET /analytics/public
// ---------------------------------------------------------------------------------------------------------

export const PublicQuery = Type.Object(
  {
    from: Type.Optional(date('First day (default: 27 days before `to`)')),
    to: Type.Optional(date('Last day, before today: only completed days are published (default: yesterday)')),
  },
  { additionalProperties: false },
);
export type PublicQuery = Static<typeof PublicQuery>;

export const PublicAggregate = Type.Object({
  min_cases: Type.Integer({ description: 'k: any day or cell-week with 1 to k-1 cases is suppressed' }),
  from: CalendarDate,
  to: CalendarDate,
  cell_resolution: Type.Integer({ description: 'H3 resolution of the published cells' }),
  days: Type.Array(
    Type.Object({
      date: CalendarDate,
      cases: Type.Union([Type.Integer(), Type.Null()], {
        description: 'Cases reported that day; null when suppressed',
      }),
      suppressed: Type.Boolean(),
    }),
  ),
  cells: Type.Array(
    Type.Object({
      week_start: date('Monday of a completed week'),
      cell: Type.String({ description: 'H3 cell' }),
      cases: Type.Integer(),
    }),
    { description: 'Cases reported per H3 cell and completed week; cells with fewer than k cases are left out' },
  ),
});
export type PublicAggregate = Static<typeof PublicAggregate>;

// ---------------------------------------------------------------------------------------------------------
// POST /cases/import
// ---------------------------------------------------------------------------------------------------------

export const MAX_IMPORT_ROWS = 10_000;
export const EXTERNAL_ID_PATTERN = '^[\\x21-\\x7E](?:[\\x20-\\x7E]{0,98}[\\x21-\\x7E])?$';
const ExternalId = (description: string) =>
  Type.String({ minLength: 1, maxLength: 100, pattern: EXTERNAL_ID_PATTERN, description });

export const LineListCaseInput = Type.Object(
  {
    external_id: ExternalId("The case's id in the department's line list: importing it again updates the case"),
    report_date: date('Date the case was reported (any age, not in the future)'),
    onset_date: Type.Optional(
      Type.Union([CalendarDate, Type.Null()], { description: 'Symptom onset date, not after the report date' }),
    ),
    lat: Type.Optional(
      Type.Union([Type.Number({ minimum: -90, maximum: 90 }), Type.Null()], {
        description: 'Location (with lng); stored as an H3 cell too',
      }),
    ),
    lng: Type.Optional(Type.Union([Type.Number({ minimum: -180, maximum: 180 }), Type.Null()])),
    infector_external_id: Type.Optional(
      Type.Union([ExternalId('external_id of the case who infected this one'), Type.Null()]),
    ),
  },
  { additionalProperties: false, title: 'LineListCase' },
);

export const ImportJsonBody = Type.Object(
  { cases: Type.Array(LineListCaseInput, { minItems: 1, maxItems: MAX_IMPORT_ROWS }) },
  { additionalProperties: false },
);

export const ImportCsvBody = Type.String({
  minLength: 1,
  description:
    'CSV with a header line naming the columns external_id, report_date (required), onset_date, lat, lng, infector_external_id (optional, any order); an empty field is a missing value',
});

export const ImportResult = Type.Object({
  imported: Type.Integer({ description: 'Rows imported' }),
  created: Type.Integer({ description: 'Cases new to the system' }),
  updated: Type.Integer({ description: 'Cases already imported under the same external_id, now updated' }),
  first_report_date: CalendarDate,
  last_report_date: CalendarDate,
});
export type ImportResult = Static<typeof ImportResult>;
