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

/** One phone's batch of observations. */
export interface Upload {
  readonly userId: string;
  readonly rows: readonly NewRow<'interactions'>[];
}

export interface StoredUpload {
  /** Every row of the upload as stored, in the upload's order. */
  readonly stored: Row<'interactions'>[];
  /** Ids of the rows this upload wrote (the others were stored before). */
  readonly createdIds: string[];
}

/** Runs in the uploads' transaction with the ids each upload wrote (uploads that wrote nothing left out). */
export type AfterInsert<T> = (
  trx: Kysely<Database>,
  created: ReadonlyArray<{ readonly userId: string; readonly createdIds: string[] }>,
) => Promise<T>;

/** Another transaction wrote one of the batch's ids for another user after the batch looked for it. */
class LostRace extends Error {
  constructor(readonly ids: string[]) {
    super('an interaction id was written for another user by a concurrent upload');
  }
}

export class InteractionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Stores several uploads in one transaction, each all or nothing: an upload that reuses an id belonging to
   * another user gets an InteractionOwnershipConflict in its slot and writes nothing; the others are stored.
   * Ids already stored for the same user are not written again and are answered as stored; so is an id that an
   * earlier upload of the same batch writes. `afterInsert` runs in the transaction with what the uploads created;
   * `committed` holds what it returned in the transactions that committed.
   */
  async insertUploads<T>(
    uploads: readonly Upload[],
    indexRows: (row: NewRow<'interactions'>) => NewRow<'presence_index'>[],
    afterInsert: AfterInsert<T>,
  ): Promise<{ results: Array<StoredUpload | InteractionOwnershipConflict>; committed: T[] }> {
    try {
      return await this.db.transaction().execute((trx) => this.writeUploads(trx, uploads, indexRows, afterInsert));
    } catch (error) {
      if (!(error instanceof LostRace)) throw error;
      if (uploads.length === 1) return { results: [new InteractionOwnershipConflict(error.ids)], committed: [] };
      // Rare: retried one by one, so that only the upload that lost the race is refused.
      const all = { results: [] as Array<StoredUpload | InteractionOwnershipConflict>, committed: [] as T[] };
      for (const upload of uploads) {
        const one = await this.insertUploads([upload], indexRows, afterInsert);
        all.results.push(...one.results);
        all.committed.push(...one.committed);
      }
      return all;
    }
  }

  private async writeUploads<T>(
    trx: Kysely<Database>,
    uploads: readonly Upload[],
    indexRows: (row: NewRow<'interactions'>) => NewRow<'presence_index'>[],
    afterInsert: AfterInsert<T>,
  ): Promise<{ results: Array<StoredUpload | InteractionOwnershipConflict>; committed: T[] }> {
    // Ids already stored are not inserted again. (On PostgreSQL interactions are partitioned by time, so the unique
    // key is (id, timestamp): the look-up by id is what makes an id unique whatever its times.)
    const byId = new Map<string, Row<'interactions'>>();
    await this.readInto(trx, [...new Set(uploads.flatMap((u) => u.rows.map((r) => r.id)))], byId);
    const ownerOf = new Map<string, string>();
    for (const [id, row] of byId) ownerOf.set(id, row.user_id);
    const results: Array<StoredUpload | InteractionOwnershipConflict | undefined> = [];
    const writer = new Map<string, number>(); // id → index of the upload that writes it
    const fresh: NewRow<'interactions'>[] = [];
    uploads.forEach((upload, index) => {
      const foreign = upload.rows
        .filter((r) => (ownerOf.get(r.id) ?? upload.userId) !== upload.userId)
        .map((r) => r.id);
      if (foreign.length > 0) {
        results.push(new InteractionOwnershipConflict(foreign));
        return;
      }
      results.push(undefined);
      for (const row of upload.rows) {
        if (ownerOf.has(row.id)) continue;
        ownerOf.set(row.id, upload.userId);
        writer.set(row.id, index);
        fresh.push(row);
      }
    });
    const inserted = new Set<string>();
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
      const rows = await trx
        .insertInto('interactions')
        .values(fresh.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.columns(['id', 'timestamp']).doNothing())
        .returningAll()
        .execute();
      for (const row of rows) {
        byId.set(row.id, row);
        inserted.add(row.id);
      }
    }
    // Written by a concurrent transaction between the look-up and the insert: read as stored.
    const raced = fresh.filter((r) => !inserted.has(r.id)).map((r) => r.id);
    await this.readInto(trx, raced, byId);
    const lost = raced.filter((id) => byId.get(id)?.user_id !== ownerOf.get(id));
    if (lost.length > 0) throw new LostRace(lost);

    const created = uploads.map((upload, index) => ({
      userId: upload.userId,
      createdIds:
        results[index] === undefined
          ? upload.rows.filter((r) => inserted.has(r.id) && writer.get(r.id) === index).map((r) => r.id)
          : [],
    }));
    const presence = fresh.filter((r) => inserted.has(r.id)).flatMap(indexRows);
    for (let i = 0; i < presence.length; i += INSERT_CHUNK) {
      await trx
        .insertInto('presence_index')
        .values(presence.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    const withNewRows = created.filter((c) => c.createdIds.length > 0);
    const committed = withNewRows.length > 0 ? [await afterInsert(trx, withNewRows)] : [];
    return {
      results: uploads.map((upload, index) => {
        const refused = results[index];
        if (refused !== undefined) return refused;
        const stored = upload.rows.map((r) => byId.get(r.id)).filter((r): r is Row<'interactions'> => r !== undefined);
        return { stored, createdIds: created[index]!.createdIds };
      }),
      committed,
    };
  }

  private async readInto(
    trx: Kysely<Database>,
    ids: readonly string[],
    byId: Map<string, Row<'interactions'>>,
  ): Promise<void> {
    for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
      for (const row of await trx
        .selectFrom('interactions')
        .selectAll()
        .where('id', 'in', ids.slice(i, i + INSERT_CHUNK))
        .execute())
        byId.set(row.id, row);
    }
  }

  findById(id: string): Promise<Row<'interactions'> | undefined> {
    return this.db.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
  }

  listForUser(userId: string, limit: number, after: Keyset | null): Promise<Row<'interactions'>[]> {
    let query = this.db.selectFrom('interactions').selectAll().where('user_id', '=', userId);
    if (after !== null) {
      query = query.where((eb) =>
        eb.or([eb('timestamp', '<', after.at), eb.and([eb('timestamp', '=', after.at), eb('id', '<', after.id)])]),
      );
    }
    return query
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  }

  async countForUser(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('interactions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}
