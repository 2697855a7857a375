import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeIssue, type ValidationError, type ValidationIssue } from './validation.js';

/**
 * RFC 9457 problem details. Throw an HttpProblem anywhere in a request and the error handler
 * answers with `application/problem+json`; anything else unexpected becomes a generic 500.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    /** Response headers the problem needs (e.g. Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'HttpProblem';
  }
}

export const badRequest = (detail: string, extra?: Record<string, unknown>) =>
  new HttpProblem(400, 'Bad Request', detail, extra);
export const unauthorized = (detail: string) => new HttpProblem(401, 'Unauthorized', detail);
export const forbidden = (detail: string) => new HttpProblem(403, 'Forbidden', detail);
export const notFound = (detail: string) => new HttpProblem(404, 'Not Found', detail);
export const conflict = (detail: string) => new HttpProblem(409, 'Conflict', detail);
export const gone = (detail: string) => new HttpProblem(410, 'Gone', detail);
/** 429 with Retry-After: the caller may try again in `retryAfterSeconds`. */
export const tooManyRequests = (detail: string, retryAfterSeconds: number) =>
  new HttpProblem(429, 'Too Many Requests', detail, {}, { 'retry-after': String(retryAfterSeconds) });

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  detail: string,
  extra: Record<string, unknown> = {},
  title = TITLES[status] ?? 'Error',
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({
      type: 'about:blank',
      title,
      status,
      detail,
      instance: request.url.split('?')[0],
      request_id: request.id,
      ...extra,
    });
}

function describeValidation(
  context: string | undefined,
  issues: ValidationIssue[],
): { detail: string; errors: ValidationError[] } {
  const where = context ?? 'request';
  const errors = issues.map((issue) => describeIssue(where, issue));
  const first = errors[0];
  return { detail: first ? `${first.path} ${first.message}` : `${where} is invalid`, errors };
}

/** SQLite gave up waiting for another process's write lock (SQLITE_BUSY_TIMEOUT_MS): an overload, not a fault. */
const isDatabaseBusy = (error: unknown) => (error as { code?: unknown }).code === 'SQLITE_BUSY';

export function registerProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | HttpProblem, request, reply) => {
    if (error instanceof HttpProblem) {
      for (const [name, value] of Object.entries(error.headers)) reply.header(name, value);
      return sendProblem(reply, request, error.status, error.detail, error.extra, error.title);
    }
    if (error.validation) {
      const { detail, errors } = describeValidation(error.validationContext, error.validation as ValidationIssue[]);
      return sendProblem(reply, request, 400, detail, { errors });
    }
    if (isDatabaseBusy(error)) {
      reply.header('retry-after', '1');
      return sendProblem(
        reply,
        request,
        503,
        'The database is busy with other writes; nothing was stored. Retry shortly.',
      );
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      if (status === 429 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '60');
      return sendProblem(reply, request, status, error.message);
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(reply, request, 500, 'The server could not complete the request; it has been logged.');
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, request, 404, `No route ${request.method} ${request.url.split('?')[0]}`),
  );
}
