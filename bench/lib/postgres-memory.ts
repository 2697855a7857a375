import pg from 'pg';

/** How much of a bench schema PostgreSQL held in its own memory when a run started. */
export interface PostgresMemory {
  readonly shared_buffers_mib: number;
  readonly schema_mib: number;
  /** MiB of the schema loaded into shared buffers by pg_prewarm before the run (0: not done, see `note`). */
  readonly prewarmed_mib: number;
  readonly note?: string;
}

const MIB = 2 ** 20;

/**
 * Loads a bench schema into PostgreSQL's shared buffers when they can hold it, so that a run measures the
 * deployment docs/deployment.md recommends (the working set in shared_buffers), not the disk. Where the page cache is
 * reclaimed by the host within minutes (this machine's VM does that), the default 128 MB of shared buffers
 * would make every run read its pages from disk. Needs the pg_prewarm extension (PostgreSQL's contrib).
 */
export async function prewarmSchema(databaseUrl: string, schema: string): Promise<PostgresMemory> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const settings = await client.query<{ bytes: string }>(
      `select (setting::bigint * 8192)::text as bytes from pg_settings where name = 'shared_buffers'`,
    );
    const sharedBytes = Number(settings.rows[0]!.bytes);
    const relations = await client.query<{ oid: number; bytes: string }>(
      `select c.oid, pg_relation_size(c.oid)::text as bytes from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = $1 and c.relkind in ('r', 'i', 't') order by c.oid`,
      [schema],
    );
    const schemaBytes = relations.rows.reduce((sum, r) => sum + Number(r.bytes), 0);
    const result = (prewarmedBytes: number, note?: string): PostgresMemory => ({
      shared_buffers_mib: Math.round(sharedBytes / MIB),
      schema_mib: Math.round(schemaBytes / MIB),
      prewarmed_mib: Math.round(prewarmedBytes / MIB),
      ...(note ? { note } : {}),
    });
    // Leave room for the app's own writes: prewarming more than the buffers hold only evicts what it loaded.
    if (schemaBytes > sharedBytes * 0.9)
      return result(0, 'shared_buffers too small to hold the schema: pages come from the page cache or the disk');
    try {
      await client.query('create extension if not exists pg_prewarm');
    } catch (error) {
      return result(0, `pg_prewarm unavailable: ${(error as Error).message}`);
    }
    let blocks = 0;
    for (const r of relations.rows) {
      const done = await client.query<{ blocks: string }>('select pg_prewarm($1::regclass)::text as blocks', [r.oid]);
      blocks += Number(done.rows[0]!.blocks);
    }
    return result(blocks * 8192);
  } finally {
    await client.end();
  }
}
