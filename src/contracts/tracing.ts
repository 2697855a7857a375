import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, Uuid } from './common.js';

export const RiskTier = Type.Union([Type.Literal('low'), Type.Literal('medium'), Type.Literal('high')]);

export const CaseIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const ContactRisk = Type.Object({
  exposure_risk_id: Uuid,
  interaction_id: Uuid,
  risk_level: Type.Number(),
  exposure_date: CalendarDate,
  minutes: Type.Number(),
  weighted_minutes: Type.Number(),
  contact_kind: Type.Union([Type.Literal('proximity'), Type.Literal('venue'), Type.Literal('gps'), Type.Null()]),
  place: Type.Union([Type.String(), Type.Null()]),
  proximity_bucket: Type.String(),
  infectiousness: Type.String(),
  report_type: Type.String(),
  model_version: Type.String(),
  started_at: Type.Union([IsoDateTime, Type.Null()]),
  ended_at: Type.Union([IsoDateTime, Type.Null()]),
});

export const ContactDay = Type.Object({
  date: CalendarDate,
  tier: RiskTier,
  notified_tier: Type.Union([RiskTier, Type.Null()]),
});

export const CaseContact = Type.Object({
  user_id: Uuid,
  highest_tier: RiskTier,
  notified: Type.Boolean({ description: 'A notification was sent for at least one day' }),
  days: Type.Array(ContactDay),
  risks: Type.Array(ContactRisk),
});
export type CaseContact = Static<typeof CaseContact>;

export const CaseContacts = Type.Object({
  case_id: Uuid,
  traced_at: Type.Union([IsoDateTime, Type.Null()]),
  contacts: Type.Array(CaseContact),
});
export type CaseContacts = Static<typeof CaseContacts>;
