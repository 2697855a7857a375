import type { FastifyInstance } from 'fastify';
import { sendProblem } from './problem.js';

/** Seconds a client refused during shutdown is told to wait (another process, or this one restarted, takes over). */
export const CLOSING_RETRY_AFTER_SECONDS = 5;

/**
 * While the server shuts down, requests already in flight finish, and a new request that still arrives (on a
 * kept-alive connection, or pipelined behind one in flight) is refused with a 503 problem+json with Retry-After
 * and `Connection: close`, like every other error. Fastify's own `return503OnClosing` answers a plain JSON body
 * without Retry-After, so the app turns it off and registers this instead, before any other hook.
 */
export function refuseWhileClosing(app: FastifyInstance): void {
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!closing) return;
    reply.header('retry-after', String(CLOSING_RETRY_AFTER_SECONDS)).header('connection', 'close');
    return sendProblem(reply, request, 503, 'the server is shutting down; retry shortly');
  });
}
