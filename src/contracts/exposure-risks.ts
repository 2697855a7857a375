import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, NextCursor, PageQuery, Uuid } from './common.js';

export const ListExposureRisksQuery = Type.Object(
  { interaction_id: Uuid, ...PageQuery },
  { additionalProperties: false },
);
export type ListExposureRisksQuery = Static<typeof ListExposureRisksQuery>;

export const ExposureRisk = Type.Object({
  id: Uuid,
  interaction_id: Uuid,
  case_id: Type.Union([Uuid, Type.Null()]),
  risk_level: Type.Number({ minimum: 0, maximum: 1, description: 'DECIMAL(3,2) in 0..1' }),
  exposure_date: CalendarDate,
  minutes: Type.Number(),
  weighted_minutes: Type.Number(),
  proximity_bucket: Type.String(),
  infectiousness: Type.String(),
  report_type: Type.String(),
  model_version: Type.String(),
  updated_at: IsoDateTime,
});
export type ExposureRisk = Static<typeof ExposureRisk>;

export const ExposureRiskPage = Type.Object({ exposure_risks: Type.Array(ExposureRisk), next_cursor: NextCursor });
