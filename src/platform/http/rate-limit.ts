import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';

export interface RateLimitOptions {
  readonly max: number;
  readonly windowMs: number;
  /** Shared counters for several processes; in-process when absent. */
  readonly redis?: Redis;
}

/** Authenticated callers are limited per token or staff account, everyone else per address. */
function callerKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p.kind === 'user') return `user:${p.tokenHash}`;
  if (p.kind === 'staff') return `staff:${p.staffId}`;
  return `ip:${request.ip}`;
}

export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  await app.register(rateLimit, {
    global: true,
    max: options.max,
    timeWindow: options.windowMs,
    keyGenerator: callerKey,
    nameSpace: 'epitrace-rl:',
    ...(options.redis ? { redis: options.redis } : {}),
    errorResponseBuilder: (_request, context) => {
      const error = new Error(
        `rate limit of ${context.max} requests per ${context.after} exceeded; retry later`,
      ) as Error & { statusCode: number };
      error.statusCode = context.statusCode;
      return error;
    },
  });
}

/** Route-level limit for registration and login, always per address. */
export function perAddressLimit(max: number, windowMs: number) {
  return {
    rateLimit: { max, timeWindow: windowMs, keyGenerator: (request: FastifyRequest) => `auth-ip:${request.ip}` },
  };
}
