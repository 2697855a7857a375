import { createServer } from 'node:net';
import { StartupFailure } from './startup-failure.js';

/** The one line an operator reads when the server cannot listen on HOST:PORT, from the error `listen` gave. */
export function listenFailure(error: unknown, host: string, port: number): StartupFailure | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupFailure(`port ${port} on ${host} is already in use; stop the other process or set PORT`);
    case 'EACCES':
      return new StartupFailure(
        `port ${port} on ${host} needs privileges this user does not have; set PORT to 1024 or above`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
    case 'EAI_NONAME':
      return new StartupFailure(
        `HOST ${host} does not resolve to an address; set HOST to an address of this machine, e.g. 127.0.0.1 or 0.0.0.0`,
      );
    case 'EADDRNOTAVAIL':
      return new StartupFailure(
        `HOST ${host} is not an address of this machine; set HOST to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0`,
      );
    default:
      return undefined;
  }
}

/**
 * Listens on HOST:PORT for a moment and lets go, so a primary learns before it starts its workers that they could
 * not listen (they would each fail, and be replaced, again and again). Throws the StartupFailure `listen` would.
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host, exclusive: true }, resolve);
    });
  } catch (error) {
    throw listenFailure(error, host, port) ?? error;
  }
  await new Promise((resolve) => server.close(resolve));
}
