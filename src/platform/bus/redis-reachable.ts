import { Redis } from 'ioredis';

/**
 * Connects to Redis once and sends PING, giving up after `timeoutMs`; resolves when that works and rejects with the
 * error otherwise. ioredis reconnects forever by default, so a server whose Redis is unreachable would start and
 * then wait: it checks this first instead, with no retries.
 */
export async function checkRedisReachable(url: string, timeoutMs: number): Promise<void> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'epitrace-start-check',
  });
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    // ioredis reports "Connection is closed." once it has given up; the cause is the error it saw before.
    throw lastError ?? error;
  } finally {
    client.disconnect();
  }
}
