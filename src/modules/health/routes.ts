import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { Registry } from 'prom-client';
import { withProblems } from '../../contracts/common.js';
import { sendProblem } from '../../platform/http/problem.js';

export interface HealthRoutesOptions {
  readonly metrics: Registry;
  /** Named dependency checks, each throwing when the dependency is unusable. */
  readonly checks: Record<string, () => Promise<void>>;
}

export const healthRoutes: FastifyPluginAsyncTypebox<HealthRoutesOptions> = async (app, { metrics, checks }) => {
  app.get(
    '/healthz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        operationId: 'health',
        security: [],
        summary: 'Liveness: the process is up',
        response: withProblems({ 200: Type.Object({ status: Type.Literal('ok') }) }, [401]),
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        operationId: 'readiness',
        security: [],
        summary: 'Readiness: the database (and Redis, when configured) answer',
        response: withProblems(
          {
            200: Type.Object({ status: Type.Literal('ready'), checks: Type.Record(Type.String(), Type.Literal('ok')) }),
          },
          [401, 503],
        ),
      },
    },
    async (request, reply) => {
      const results: Record<string, 'ok'> = {};
      for (const [name, check] of Object.entries(checks)) {
        try {
          await check();
          results[name] = 'ok';
        } catch (error) {
          request.log.warn({ err: error, check: name }, 'readiness check failed');
          return sendProblem(reply, request, 503, `${name} is not reachable`);
        }
      }
      return { status: 'ready' as const, checks: results };
    },
  );

  app.get(
    '/metrics',
    {
      config: { rateLimit: false },
      schema: {
        tags: ['operations'],
        operationId: 'metrics',
        security: [],
        summary: 'Prometheus metrics (text exposition format)',
        response: {
          ...withProblems({}, [401]),
          200: {
            description: 'The metrics, in the Prometheus text exposition format',
            content: { 'text/plain': { schema: Type.String() } },
          },
        },
      },
    },
    async (_request, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
  );
};
