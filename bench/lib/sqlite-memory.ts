import { statSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/platform/db/tables.js';

/** How much of a bench database SQLite held in the app's own memory when a run started. */
export interface SqliteMemory {
  readonly cache_mib: number;
  readonly mmap_mib: number;
  readonly file_mib: number;
  /** MiB of pages read into the connection's cache before the run (0: not done, see `note`). */
  readonly prewarmed_mib: number;
  /** The bench process's resident memory after the prewarm: the cache's pages are in it. */
  readonly rss_mib: number;
  readonly note?: string;
}

const MIB = 2 ** 20;

/**
 * SQLite's counterpart of prewarmSchema (postgres-memory.ts): when the connection's page cache (SQLITE_CACHE_MB) can
 * hold the whole file and nothing is read through the memory mapping (SQLITE_MMAP_MB=0), every page is read once into
 * that cache, so the run measures the working set in the process's memory, as docs/deployment.md recommends, rather than
 * the host's page cache, which this machine's VM reclaims within minutes. Reading dbstat walks every b-tree page
 * through the connection's pager.
 */
export async function prewarmSqlite(db: Kysely<Database>, file: string): Promise<SqliteMemory> {
  const [cache] = (await sql<{ cache_size: number }>`pragma cache_size`.execute(db)).rows;
  const [mmap] = (await sql<{ mmap_size: number }>`pragma mmap_size`.execute(db)).rows;
  const [page] = (await sql<{ page_size: number }>`pragma page_size`.execute(db)).rows;
  // A negative cache_size is KiB, a positive one pages.
  const cacheBytes = cache!.cache_size < 0 ? -cache!.cache_size * 1024 : cache!.cache_size * page!.page_size;
  const fileBytes = statSync(file).size;
  const result = (prewarmedBytes: number, note?: string): SqliteMemory => ({
    cache_mib: Math.round(cacheBytes / MIB),
    mmap_mib: Math.round(mmap!.mmap_size / MIB),
    file_mib: Math.round(fileBytes / MIB),
    prewarmed_mib: Math.round(prewarmedBytes / MIB),
    rss_mib: Math.round(process.memoryUsage().rss / MIB),
    ...(note ? { note } : {}),
  });
  if (mmap!.mmap_size > 0)
    return result(0, 'pages of the mapped start of the file come from the page cache or the disk');
  // Leave room for the pages the run writes.
  if (fileBytes > cacheBytes * 0.9)
    return result(0, 'cache too small to hold the file: pages come from the page cache or the disk');
  const [read] = (await sql<{ bytes: number }>`select sum(pgsize) as bytes from dbstat`.execute(db)).rows;
  return result(Number(read!.bytes ?? 0));
}
