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
  },
  { additionalProperties: false },
);
export type CreateCaseBody = Static<typeof CreateCaseBody>;

export const Case = Type.Object({
  id: Uuid,
  user_id: Uuid,
  report_type: ReportType,
  test_date: Type.Union([CalendarDate, Type.Null()]),
  onset_date: Type.Union([CalendarDate, Type.Null()]),
  managed_by: Type.Union([Uuid, Type.Null()]),
  created_at: IsoDateTime,
});
export type Case = Static<typeof Case>;

export const ListCasesQuery = Type.Object({ ...PageQuery }, { additionalProperties: false });
export const CasePage = Type.Object({ cases: Type.Array(Case), next_cursor: NextCursor });
