import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { CreateStaffBody, LoginBody, LoginResponse, StaffMember } from '../../contracts/staff.js';
import { requireRole } from '../../platform/http/principal.js';
import { perAddressLimit } from '../../platform/http/rate-limit.js';
import type { StaffService } from './service.js';
import type { StaffSessionsService } from './sessions-service.js';

export interface StaffRoutesOptions {
  readonly staff: StaffService;
  readonly sessions: StaffSessionsService;
  readonly authRateLimit: { max: number; windowMs: number };
}

export const staffRoutes: FastifyPluginAsyncTypebox<StaffRoutesOptions> = async (
  app,
  { staff, sessions, authRateLimit },
) => {
  app.post(
    '/auth/login',
    {
      config: perAddressLimit(authRateLimit.max, authRateLimit.windowMs),
      schema: {
        tags: ['staff'],
        operationId: 'login',
        security: [],
        summary: 'Staff login',
        description:
          'Exchanges a staff username and password for a short-lived signed bearer token and a refresh token ' +
          '(POST /auth/refresh) that keeps the session going while it is in use.',
        body: LoginBody,
        response: withProblems({ 200: LoginResponse }, [400, 401, 413, 415, 429]),
      },
    },
    async (request) => sessions.signIn(request.body, request.id),
  );

  app.post(
    '/staff',
    {
      preValidation: requireRole('admin'),
      schema: {
        tags: ['staff'],
        operationId: 'createStaff',
        summary: 'Create a staff account (admin)',
        security: BearerSecurity,
        body: CreateStaffBody,
        response: withProblems({ 201: StaffMember }, [400, 401, 403, 409, 413, 415, 429]),
      },
    },
    async (request, reply) => reply.code(201).send(await staff.create(request.body)),
  );

  app.get(
    '/staff',
    {
      preValidation: requireRole('admin'),
      schema: {
        tags: ['staff'],
        operationId: 'listStaff',
        summary: 'List staff accounts (admin)',
        security: BearerSecurity,
        response: withProblems({ 200: Type.Object({ staff: Type.Array(StaffMember) }) }, [401, 403, 429]),
      },
    },
    async () => ({ staff: await staff.list() }),
  );
};
