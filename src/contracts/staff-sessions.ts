import { Type, type Static } from '@sinclair/typebox';

/** A refresh token as the client holds it; its shape is checked by the service (a bad one is a 401, not a 400). */
const RefreshToken = Type.String({
  minLength: 1,
  maxLength: 512,
  description: 'the refresh token from POST /auth/login or the last POST /auth/refresh',
});

export const RefreshSessionBody = Type.Object({ refresh_token: RefreshToken }, { additionalProperties: false });
export type RefreshSessionBody = Static<typeof RefreshSessionBody>;

export const SignOutBody = Type.Object({ refresh_token: RefreshToken }, { additionalProperties: false });
export type SignOutBody = Static<typeof SignOutBody>;
