import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { withProblems } from '../../contracts/common.js';
import { RefreshSessionBody, SignOutBody } from '../../contracts/staff-sessions.js';
import { LoginResponse } from '../../contracts/staff.js';
import { perAddressLimit } from '../../platform/http/rate-limit.js';
import type { StaffSessionsService } from './sessions-service.js';

export interface StaffSessionsRoutesOptions {
  readonly sessions: StaffSessionsService;
  readonly authRateLimit: { max: number; windowMs: number };
}

/** Refreshing and ending staff sessions: both take the refresh token, no bearer token (it may have expired). */
export const staffSessionsRoutes: FastifyPluginAsyncTypebox<StaffSessionsRoutesOptions> = async (
  app,
  { sessions, authRateLimit },
) => {
  app.post(
    '/auth/refresh',
    {
      config: perAddressLimit(authRateLimit.max, authRateLimit.windowMs),
      schema: {
        tags: ['staff'],
        summary: 'Refresh a staff session',
        operationId: 'refreshStaffSession',
        description:
          'Exchanges a refresh token for a new access token and a new refresh token; the one sent is spent. ' +
          'Sending a spent refresh token again ends the whole session (it may have been copied). A session ends ' +
          'after STAFF_SESSION_IDLE_MINUTES without a refresh, STAFF_SESSION_MAX_HOURS after sign-in, at sign-out, ' +
          'or when the account is disabled; then the answer is 401 and the person signs in again.',
        security: [],
        body: RefreshSessionBody,
        response: withProblems({ 200: LoginResponse }, [400, 401, 413, 415, 429]),
      },
    },
    async (request) => sessions.refresh(request.body.refresh_token, request.id),
  );

  app.post(
    '/auth/logout',
    {
      config: perAddressLimit(authRateLimit.max, authRateLimit.windowMs),
      schema: {
        tags: ['staff'],
        summary: 'Sign a staff member out',
        operationId: 'signOutStaff',
        description:
          "Ends the session the refresh token belongs to: none of its refresh tokens works any more. The session's " +
          'last access token stays valid until it expires (STAFF_TOKEN_TTL_SECONDS).',
        security: [],
        body: SignOutBody,
        response: withProblems({ 204: Type.Null({ description: 'signed out' }) }, [400, 401, 413, 415, 429]),
      },
    },
    async (request, reply) => {
      await sessions.signOut(request.body.refresh_token, request.id);
      return reply.code(204).send(null);
    },
  );
};
