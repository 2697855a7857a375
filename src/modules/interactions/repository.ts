import type { Kysely } from 'kysely';
import type { Keyset } from '../../platform/db/keyset.js';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

// Keeps each statement well under SQLite's and PostgreSQL's bound-parameter limits.
const INSERT_CHUNK = 500;

export class InteractionOwnershipConflict extends Error {
  constructor(readonly ids: string[]) {
    super('interaction ids already used by another user');
  }
}

export class InteractionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Inserts the rows that are new and returns every row of the batch as stored. All or nothing:
   * if any id belongs to another user, nothing is written.
   */
  async insertBatch(
    rows: NewRow<'interactions'>[],
    userId: string,
    indexRows: (row: NewRow<'interactions'>) => NewRow<'presence_index'>[],
    afterInsert: (trx: Kysely<Database>, createdIds: string[]) => Promise<void>,
  ): Promise<{ stored: Row<'interactions'>[]; created: number }> {
    return this.db.transaction().execute(async (trx) => {
      // Ids already stored are not inserted again, and are answered as stored. (On PostgreSQL interactions are
      // partitioned by time, so the unique key is (id, timestamp): the look-up by id is what makes an id unique
      // whatever its times.)
      const byId = new Map<string, Row<'interactions'>>();
      for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
        const found = await trx.selectFrom('interactions').selectAll().where('id', 'in', rows.slice(i, i + INSERT_CHUNK).map((r) => r.id)).execute();
        for (const row of found) byId.set(row.id, row);
      }
      const fresh = rows.filter((r) => !byId.has(r.id));
      const createdIds: string[] = [];
      for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
        const inserted = await trx
          .insertInto('interactions')
          .values(fresh.slice(i, i + INSERT_CHUNK))
          .onConflict((oc) => oc.columns(['id', 'timestamp']).doNothing())
          .returningAll()
          .execute();
        for (const row of inserted) byId.set(row.id, row);
        createdIds.push(...inserted.map((r) => r.id));
      }
      // Written by a concurrent upload between the look-up and the insert: read as stored.
      const raced = rows.filter((r) => !byId.has(r.id)).map((r) => r.id);
      for (let i = 0; i < raced.length; i += INSERT_CHUNK) {
        for (const row of await trx.selectFrom('interactions').selectAll().where('id', 'in', raced.slice(i, i + INSERT_CHUNK)).execute()) byId.set(row.id, row);
      }
      const stored = rows.map((r) => byId.get(r.id)).filter((r): r is Row<'interactions'> => r !== undefined);
      const foreign = stored.filter((r) => r.user_id !== userId).map((r) => r.id);
      if (foreign.length > 0) throw new InteractionOwnershipConflict(foreign);
      const created = new Set(createdIds);
      const presence = rows.filter((r) => created.has(r.id)).flatMap(indexRows);
      for (let i = 0; i < presence.length; i += INSERT_CHUNK) {
        await trx.insertInto('presence_index').values(presence.slice(i, i + INSERT_CHUNK)).onConflict((oc) => oc.doNothing()).execute();
      }
      if (createdIds.length > 0) await afterInsert(trx, createdIds);
      return { stored, created: createdIds.length };
    });
  }

  findById(id: string): Promise<Row<'interactions'> | undefined> {
    return this.db.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForUser(userId: string, limit: number, after: Keyset | null): Promise<Row<'interactions'>[]> {
    let query = this.db.selectFrom('interactions').selectAll().where('user_id', '=', userId);
    if (after !== null) {
      query = query.where((eb) => eb.or([eb('timestamp', '<', after.at), eb.and([eb('timestamp', '=', after.at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('timestamp', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db.selectFrom('interactions').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
