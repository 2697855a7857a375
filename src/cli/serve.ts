import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { Config } from '../config/index.js';
import { acceptHandedConnections, announceReady } from './connection-dispatcher.js';

export interface ServeOptions {
  /** Run trace jobs only (`epitrace trace-runner`): the app is built and its trace worker runs, but nothing listens. */
  readonly traceRunner?: boolean;
  /**
   * A worker of `serve --stream-workers M`: the primary accepts the connections and passes each one on, so this
   * process does not listen on the public port.
   */
  readonly handedConnections?: boolean;
  /**
   * Run the background work (trace sweeps, analytics, zone scans, webhooks, periodic tasks); false for a stream
   * process.
   */
  readonly background?: boolean;
}

/** Runs the server until SIGTERM/SIGINT, then stops accepting, finishes requests in flight and closes the database. */
export async function serve(config: Config, options: ServeOptions = {}): Promise<FastifyInstance> {
  const app = await buildApp(config, {
    traceRunner: options.traceRunner === true,
    background: options.background !== false,
  });
  let closing = false;
  let stopTakingConnections = () => {};
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    stopTakingConnections();
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
  } else if (options.handedConnections === true) {
    // Listening on a loopback port of its own (never used) starts what Node does for a listening HTTP server: the
    // header and request timeouts of its connections, and a graceful close.
    await app.listen({ port: 0, host: '127.0.0.1', exclusive: true });
    stopTakingConnections = acceptHandedConnections(app.server);
    announceReady();
  } else {
    await app.listen({ port: config.port, host: config.host });
  }
  return app;
}
