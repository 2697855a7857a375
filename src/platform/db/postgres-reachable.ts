import pg from 'pg';

/**
 * Connects to PostgreSQL once and runs `select 1`, giving up after `timeoutMs`; resolves when that works and
 * rejects with the driver's error otherwise. The server checks this before it starts, so an unreachable database is
 * one clear line rather than a failed migration (the pool's own connections wait without a time limit).
 */
export async function checkPostgresReachable(databaseUrl: string, timeoutMs: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: timeoutMs });
  // An error after the connection was made (the server going away) must not be an unhandled 'error' event.
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
  } finally {
    await client.end().catch(() => {});
  }
}
