import { type Static, Type } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, Uuid } from './common.js';

/** A verification code is issued for a confirmed test or a clinical diagnosis, never for a self-report. */
export const VerifiedReportType = Type.Union([Type.Literal('confirmed_test'), Type.Literal('clinical_diagnosis')]);

export const IssueVerificationCodeBody = Type.Object(
  {
    report_type: VerifiedReportType,
    test_date: CalendarDate,
    onset_date: Type.Optional(CalendarDate),
  },
  { additionalProperties: false },
);
export type IssueVerificationCodeBody = Static<typeof IssueVerificationCodeBody>;

export const VerificationCode = Type.Object({
  id: Uuid,
  short_code: Type.String({
    description:
      'To read out on the phone: 8 characters of Crockford base32 and a check character, grouped as XXXX-XXXX-C. ' +
      'Usable once, until short_expires_at.',
    examples: ['7KQ2-M9XD-V'],
  }),
  long_code: Type.String({
    description: 'For a link or a QR code: 128 random bits, base64url. Usable once, until long_expires_at.',
  }),
  short_expires_at: IsoDateTime,
  long_expires_at: IsoDateTime,
  report_type: VerifiedReportType,
  test_date: CalendarDate,
  onset_date: Type.Union([CalendarDate, Type.Null()]),
});
export type VerificationCode = Static<typeof VerificationCode>;

export const RedeemCodeBody = Type.Object(
  {
    code: Type.String({
      minLength: 1,
      maxLength: 64,
      description:
        'The short code as typed (case, spaces and dashes do not matter; O reads as 0, I and L as 1) or the long code',
    }),
    onset_date: Type.Optional(CalendarDate),
  },
  { additionalProperties: false },
);
export type RedeemCodeBody = Static<typeof RedeemCodeBody>;
