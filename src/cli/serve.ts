import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Config } from '../config/index.js';

export interface ServeOptions {
  /** Run trace jobs only (`epitrace trace-runner`): the app is built and its trace worker runs, but nothing listens. */
  readonly traceRunner?: boolean;
}

/** Runs the server until SIGTERM/SIGINT, then stops accepting, finishes requests in flight and closes the database. */
export async function serve(config: Config, options: ServeOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(config, { traceRunner: options.traceRunner === true });
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const timer = setTimeout(() => {
      app.log.error('graceful shutdown timed out after 10 s; exiting');
      process.exit(1);
    }, 10_000);
    timer.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        app.log.error({ err: error }, 'error while closing');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  if (options.traceRunner === true) {
    await app.ready();
    app.log.info({ role: 'trace-runner' }, 'trace runner ready: running the trace jobs servers leave');
  } else {
    await app.listen({ port: config.port, host: config.host });
  }
  return app;
}
