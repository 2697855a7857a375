import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, NextCursor, PageQuery, Uuid } from './common.js';

/** How a case was established; the one definition of report types (tables and the risk model use it). */
export const ReportType = Type.Union([
  Type.Literal('confirmed_test'),
  Type.Literal('clinical_diagnosis'),
  Type.Literal('self_reported'),
]);
export type ReportType = Static<typeof ReportType>;
export const REPORT_TYPES: readonly ReportType[] = Object.freeze(ReportType.anyOf.map((literal) => literal.const));

export const CreateCaseBody = Type.Object(
  {
    user_id: Uuid,
    report_type: Type.Union([Type.Literal('confirmed_test'), Type.Literal('clinical_diagnosis')]),
    test_date: Type.Optional(CalendarDate),
    onset_date: Type.Optional(CalendarDate),
    report_date: Type.Optional(
      Type.String({
        format: 'date',
        maxLength: 10,
        description:
          'The day the case was reported to the health service, when it was earlier than today (a paper register, a laboratory batch): not in the future, at most 60 days ago, not before test_date. Default: today.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateCaseBody = Static<typeof CreateCaseBody>;

/**
 * Where a case is in its life: a self-report not yet confirmed (`self_reported`; `held` when SELF_REPORTS=hold keeps
 * its contacts from being notified until it is confirmed), `confirmed` (by a verification code or a professional),
 * `closed` (recovered or isolation over) or `revoked` (a negative test, or entered in error).
 */
export const CaseStatus = Type.Union([
  Type.Literal('self_reported'),
  Type.Literal('held'),
  Type.Literal('confirmed'),
  Type.Literal('closed'),
  Type.Literal('revoked'),
]);
export type CaseStatus = Static<typeof CaseStatus>;
/** The statuses of a case that is still open: traced, and matched against late uploads. */
export const OPEN_CASE_STATUSES: readonly CaseStatus[] = Object.freeze(['self_reported', 'held', 'confirmed']);

export const RevokeReason = Type.Union([Type.Literal('negative_test'), Type.Literal('entered_in_error')]);
export type RevokeReason = Static<typeof RevokeReason>;

export const Case = Type.Object({
  id: Uuid,
  user_id: Uuid,
  report_type: ReportType,
  status: CaseStatus,
  test_date: Type.Union([CalendarDate, Type.Null()]),
  onset_date: Type.Union([CalendarDate, Type.Null()]),
  /** The day the case was reported, which analytics and the zone scan count it on (null only for old cases). */
  report_date: Type.Union([CalendarDate, Type.Null()]),
  managed_by: Type.Union([Uuid, Type.Null()]),
  created_at: IsoDateTime,
  /** When a professional or a verification code confirmed it (null while unconfirmed). */
  confirmed_at: Type.Union([IsoDateTime, Type.Null()]),
  closed_at: Type.Union([IsoDateTime, Type.Null()]),
  revoked_at: Type.Union([IsoDateTime, Type.Null()]),
  revoked_reason: Type.Union([RevokeReason, Type.Null()]),
});
export type Case = Static<typeof Case>;

export const ListCasesQuery = Type.Object(
  {
    ...PageQuery,
    status: Type.Optional(CaseStatus),
  },
  { additionalProperties: false },
);
export const CasePage = Type.Object({ cases: Type.Array(Case), next_cursor: NextCursor });

/** A correction by the managing professional; `reason` says why, for the audit log. */
export const PatchCaseBody = Type.Object(
  {
    onset_date: Type.Optional(Type.Union([CalendarDate, Type.Null()])),
    test_date: Type.Optional(Type.Union([CalendarDate, Type.Null()])),
    report_type: Type.Optional(Type.Union([Type.Literal('confirmed_test'), Type.Literal('clinical_diagnosis')])),
    status: Type.Optional(Type.Literal('closed')),
    reason: Type.String({
      minLength: 1,
      maxLength: 500,
      description: 'Why the case is changed (kept in the audit log)',
    }),
  },
  { additionalProperties: false, minProperties: 2 },
);
export type PatchCaseBody = Static<typeof PatchCaseBody>;

export const RevokeCaseBody = Type.Object(
  {
    reason: RevokeReason,
    note: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);
export type RevokeCaseBody = Static<typeof RevokeCaseBody>;
