import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from './common.js';

const PersonalText = (description: string) => Type.String({ minLength: 1, maxLength: 255, description });

export const CreateUserBody = Type.Object(
  {
    name: Type.Optional(PersonalText('Display name (encrypted at rest)')),
    contact_info: Type.Optional(
      PersonalText('Phone number or e-mail for health-department follow-up (encrypted at rest)'),
    ),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const User = Type.Object({
  id: Uuid,
  name: Type.Union([Type.String(), Type.Null()]),
  contact_info: Type.Union([Type.String(), Type.Null()]),
  created_at: IsoDateTime,
});
export type User = Static<typeof User>;

export const CreatedUser = Type.Composite([
  User,
  Type.Object({ token: Type.String({ description: 'Bearer token for the app; shown only once' }) }),
]);
export type CreatedUser = Static<typeof CreatedUser>;

export const UserIdParams = Type.Object({ id: Uuid }, { additionalProperties: false });
