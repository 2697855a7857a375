import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openConfiguredDatabase } from '../../src/platform/db/configured.js';
import { loadConfig } from '../../src/config/index.js';
import { DEFAULT_CACHE_MIB, DEFAULT_MMAP_MIB, type DatabaseHandle } from '../../src/platform/db/connect.js';

// SQLite only: PostgreSQL's buffers are the server's setting (shared_buffers), not the app's.
describe('SQLite page cache and memory mapping (SQLITE_CACHE_MB, SQLITE_MMAP_MB)', () => {
  let dir: string | undefined;
  let database: DatabaseHandle | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const settings = async (env: Record<string, string>) => {
    dir = mkdtempSync(join(tmpdir(), 'epitrace-cache-'));
    // What every process (server, trace runner, CLI) opens from its configuration.
    database = openConfiguredDatabase(loadConfig({ DATA_DIR: dir, ...env }));
    const [cache] = (await sql<{ cache_size: number }>`pragma cache_size`.execute(database.db)).rows;
    const [mmap] = (await sql<{ mmap_size: number }>`pragma mmap_size`.execute(database.db)).rows;
    // A negative cache_size is a size in KiB (a positive one counts pages).
    return { cacheKib: -cache!.cache_size, mmapBytes: mmap!.mmap_size };
  };

  it('a process opens its database with the configured cache and mapping', async () => {
    expect(await settings({ SQLITE_CACHE_MB: '3072', SQLITE_MMAP_MB: '0' })).toEqual({
      cacheKib: 3072 * 1024,
      mmapBytes: 0,
    });
  });

  it('defaults to a 128 MiB cache and the first 2047 MiB mapped', async () => {
    expect([DEFAULT_CACHE_MIB, DEFAULT_MMAP_MIB]).toEqual([128, 2047]);
    expect(await settings({})).toEqual({ cacheKib: 128 * 1024, mmapBytes: 2047 * 2 ** 20 });
  });

  it('refuses values out of range, by name', () => {
    expect(() => loadConfig({ SQLITE_CACHE_MB: '1' })).toThrow(/SQLITE_CACHE_MB/);
    expect(() => loadConfig({ SQLITE_CACHE_MB: 'lots' })).toThrow(/SQLITE_CACHE_MB/);
    expect(() => loadConfig({ SQLITE_MMAP_MB: '2048' })).toThrow(/SQLITE_MMAP_MB/);
  });
});
