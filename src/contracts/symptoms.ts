import { Type, type Static } from '@sinclair/typebox';
import { CalendarDate, IsoDateTime, Uuid, uuidString } from './common.js';

export const ReportSymptomBody = Type.Object(
  {
    user_id: Type.Optional(uuidString("The reporting user's id (defaults to the token's user)")),
    symptom: Type.String({ minLength: 1, maxLength: 100, description: 'Symptom, e.g. fever, cough, loss of smell' }),
    date: Type.String({ format: 'date', maxLength: 10, description: 'Onset date YYYY-MM-DD' }),
  },
  { additionalProperties: false },
);
export type ReportSymptomBody = Static<typeof ReportSymptomBody>;

export const Symptom = Type.Object({
  id: Uuid,
  user_id: Uuid,
  symptom: Type.String(),
  date: CalendarDate,
  reported_at: IsoDateTime,
});
export type Symptom = Static<typeof Symptom>;
