import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { APP_TOKEN_PREFIX, hashAppToken, looksLikeAppToken } from '../crypto/app-tokens.js';
import type { StaffTokens } from '../crypto/staff-tokens.js';
import { forbidden, unauthorized } from './problem.js';

export type StaffRoleName = 'health_professional' | 'authority' | 'admin' | 'lab';
export type RoleName = 'user' | StaffRoleName;

export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'user'; readonly userId: string; readonly tokenHash: string }
  | { readonly kind: 'staff'; readonly staffId: string; readonly role: StaffRoleName };

export type AuthenticatedPrincipal = Extract<Principal, { kind: 'user' | 'staff' }>;

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface PrincipalResolvers {
  /** The user owning an app token hash, or null. */
  userForTokenHash(hash: string): Promise<string | null>;
  /** A staff member's current role, or null when unknown or disabled. */
  activeStaffRole(staffId: string): Promise<StaffRoleName | null>;
  staffTokens: StaffTokens;
}

export function roleOf(principal: AuthenticatedPrincipal): RoleName {
  return principal.kind === 'user' ? 'user' : principal.role;
}

async function resolve(request: FastifyRequest, resolvers: PrincipalResolvers): Promise<Principal> {
  const header = request.headers.authorization;
  if (header === undefined) return { kind: 'anonymous' };
  const match = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(header);
  if (!match) return { kind: 'invalid', reason: 'Authorization header must be "Bearer <token>"' };
  const token = match[1]!;
  if (looksLikeAppToken(token)) {
    const tokenHash = hashAppToken(token);
    const userId = await resolvers.userForTokenHash(tokenHash);
    return userId === null
      ? { kind: 'invalid', reason: 'unknown or revoked app token' }
      : { kind: 'user', userId, tokenHash };
  }
  // Say which kind of token was wrong: a resident's damaged app token is not an "expired staff token".
  if (token.startsWith(APP_TOKEN_PREFIX)) {
    return { kind: 'invalid', reason: `malformed app token: ${APP_TOKEN_PREFIX} followed by 43 characters expected` };
  }
  if (token.split('.').length !== 3) {
    return { kind: 'invalid', reason: 'unrecognised token: neither an app token nor a staff sign-in token' };
  }
  const claims = resolvers.staffTokens.check(token);
  if (claims === null) return { kind: 'invalid', reason: 'invalid or expired staff token' };
  const role = await resolvers.activeStaffRole(claims.sub);
  if (role === null) return { kind: 'invalid', reason: 'staff account is unknown or disabled' };
  return { kind: 'staff', staffId: claims.sub, role };
}

/** Resolves the bearer token of every request into `request.principal` (before rate limiting). */
export const principalPlugin = fp<PrincipalResolvers>(
  async (app: FastifyInstance, resolvers) => {
    app.decorateRequest('principal', null as never);
    app.addHook('onRequest', async (request) => {
      request.principal = await resolve(request, resolvers);
    });
  },
  { name: 'principal' },
);

/**
 * Rejects bad tokens before the body is read. The rate limiter's hooks are route-level onRequest hooks,
 * which run after every instance-level onRequest hook; rejecting in preParsing lets them count first, so
 * requests with bad tokens use up the caller's address budget like anonymous ones.
 */
export function rejectInvalidTokens(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    if (request.principal.kind === 'invalid') throw unauthorized(request.principal.reason);
    return payload;
  });
}

/** preHandler guard: 401 without a valid token, 403 for a role that may not use the route. */
export function requireRole(...roles: RoleName[]) {
  return async (request: FastifyRequest): Promise<void> => {
    const principal = request.principal;
    if (principal.kind === 'anonymous' || principal.kind === 'invalid') {
      throw unauthorized('this route needs a bearer token');
    }
    if (!roles.includes(roleOf(principal))) {
      throw forbidden(`role ${roleOf(principal)} may not use this route`);
    }
  };
}

export function authenticated(request: FastifyRequest): AuthenticatedPrincipal {
  const principal = request.principal;
  if (principal.kind !== 'user' && principal.kind !== 'staff') throw unauthorized('this route needs a bearer token');
  return principal;
}
