import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { CreateUserBody, CreatedUser, User, UserIdParams } from '../../contracts/users.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import { perAddressLimit } from '../../platform/http/rate-limit.js';
import type { UsersService } from './service.js';

export interface UsersRoutesOptions {
  readonly users: UsersService;
  readonly authRateLimit: { max: number; windowMs: number };
}

export const usersRoutes: FastifyPluginAsyncTypebox<UsersRoutesOptions> = async (app, { users, authRateLimit }) => {
  app.post(
    '/users',
    {
      config: perAddressLimit(authRateLimit.max, authRateLimit.windowMs),
      schema: {
        tags: ['users'],
        operationId: 'registerUser',
        security: [],
        summary: 'Create a new user account (app registration)',
        description:
          'Returns the new user and a bearer token for the app. `name` and `contact_info` are optional and stored encrypted.',
        body: CreateUserBody,
        response: withProblems({ 201: CreatedUser }, [400, 401, 413, 415, 429]),
      },
    },
    async (request, reply) => {
      const created = await users.register(request.body);
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/users/:id',
    {
      preValidation: requireRole('user', 'health_professional', 'authority', 'admin'),
      schema: {
        tags: ['users'],
        operationId: 'getUser',
        summary: "Read a user's account",
        description:
          'App users read their own account; health professionals the people whose cases they manage (audited).',
        security: BearerSecurity,
        params: UserIdParams,
        response: withProblems({ 200: User }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => users.get(authenticated(request), request.params.id, request.id),
  );

  app.delete(
    '/users/:id',
    {
      preValidation: requireRole('user', 'health_professional', 'authority', 'admin'),
      schema: {
        tags: ['users'],
        operationId: 'deleteUser',
        summary: "Erase a user's data everywhere",
        description:
          'Deletes the account, tokens, interactions, symptoms, cases and exposure risks of the person. App users erase themselves; admins on request.',
        security: BearerSecurity,
        params: UserIdParams,
        response: withProblems({ 204: Type.Null() }, [400, 401, 403, 404, 429]),
      },
    },
    async (request, reply) => {
      await users.erase(authenticated(request), request.params.id, request.id);
      return reply.code(204).send(null);
    },
  );
};
