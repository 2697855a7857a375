import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';
import type { VenuesTable } from './tables.js';

export type VenueRow = VenuesTable;

export class VenuesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the venue unless its code is taken; false when it was. */
  async insertIfNew(row: VenueRow): Promise<boolean> {
    const result = await this.db
      .insertInto('venues')
      .values(row)
      .onConflict((oc) => oc.column('code').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** The first venue registered under a duplicates key (the same owner, name and address), if any. */
  async findByDuplicateKey(duplicateKey: string): Promise<VenueRow | undefined> {
    return this.db
      .selectFrom('venues')
      .selectAll()
      .where('duplicate_key', '=', duplicateKey)
      .orderBy('created_at')
      .orderBy('code')
      .limit(1)
      .executeTakeFirst();
  }

  async find(code: string): Promise<VenueRow | undefined> {
    return this.db.selectFrom('venues').selectAll().where('code', '=', code).executeTakeFirst();
  }
}
