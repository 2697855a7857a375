import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db/tables.js';
import { chunks, ID_CHUNK } from './batches.js';

/** The names of the venues a notification mentions. */
export class VenueNamesRepository {
  /** Names of registered venues by code (codes are matched without regard to case), keyed by the code given. */
  async venueNames(trx: Kysely<Database>, codes: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const byUpper = new Map<string, string[]>();
    for (const code of codes) byUpper.set(code.toUpperCase(), [...(byUpper.get(code.toUpperCase()) ?? []), code]);
    for (const part of chunks([...byUpper.keys()], ID_CHUNK)) {
      const rows = await trx.selectFrom('venues').select(['code', 'name']).where('code', 'in', part).execute();
      for (const row of rows) for (const code of byUpper.get(row.code) ?? []) out.set(code, row.name);
    }
    return out;
  }
}
