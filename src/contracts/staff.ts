import { Type, type Static } from '@sinclair/typebox';
import { IsoDateTime, Uuid } from './common.js';

export const StaffRole = Type.Union([
  Type.Literal('health_professional'),
  Type.Literal('authority'),
  Type.Literal('admin'),
  Type.Literal('lab'),
]);
export const Username = Type.String({
  minLength: 3,
  maxLength: 64,
  pattern: '^[a-z0-9][a-z0-9._-]*$',
  description: 'lower-case letters, digits, . _ -',
});
export const Password = Type.String({ minLength: 12, maxLength: 256, description: 'at least 12 characters' });

export const LoginBody = Type.Object(
  { username: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const LoginResponse = Type.Object({
  token: Type.String({ description: 'access token: send it as "Authorization: Bearer <token>"' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'seconds the access token lasts' }),
  staff_id: Uuid,
  role: StaffRole,
  refresh_token: Type.String({
    description: 'one-time token for POST /auth/refresh (a new one comes with each refresh); keep it secret',
  }),
  refresh_expires_in: Type.Integer({
    description: 'seconds until the refresh token stops working unless used (idle limit, capped by the session limit)',
  }),
});
export type LoginResponse = Static<typeof LoginResponse>;

export const CreateStaffBody = Type.Object(
  { username: Username, password: Password, role: StaffRole },
  { additionalProperties: false },
);
export type CreateStaffBody = Static<typeof CreateStaffBody>;

export const StaffMember = Type.Object({
  id: Uuid,
  username: Type.String(),
  role: StaffRole,
  created_at: IsoDateTime,
  disabled: Type.Boolean(),
});
export type StaffMember = Static<typeof StaffMember>;
