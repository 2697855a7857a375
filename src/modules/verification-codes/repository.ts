import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';
import type { VerificationCodesTable } from './tables.js';

export type VerificationCodeRow = VerificationCodesTable;

export class VerificationCodesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the code unless one of its hashes is taken (a collision of random codes); false when it was. */
  async insertIfNew(row: VerificationCodeRow): Promise<boolean> {
    const result = await this.db
      .insertInto('verification_codes')
      .values(row)
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  findByHash(form: 'short' | 'long', hash: string): Promise<VerificationCodeRow | undefined> {
    return this.db
      .selectFrom('verification_codes')
      .selectAll()
      .where(form === 'short' ? 'short_hash' : 'long_hash', '=', hash)
      .executeTakeFirst();
  }

  /** Marks the code used unless it already was (by a request that committed first); true when this call did. */
  async markUsed(trx: Kysely<Database>, id: string, userId: string, at: number): Promise<boolean> {
    const result = await trx
      .updateTable('verification_codes')
      .set({ used_at: at, used_by: userId })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async setCase(id: string, caseId: string): Promise<void> {
    await this.db.updateTable('verification_codes').set({ case_id: caseId }).where('id', '=', id).execute();
  }

  /** The times of the failures counted against these keys since `since`, oldest first. */
  async failuresSince(key: string, since: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('verification_failures')
      .select('at')
      .where('key', '=', key)
      .where('at', '>', since)
      .orderBy('at')
      .execute();
    return rows.map((row) => Number(row.at));
  }

  /** Counts one failure against each key, and forgets failures from before `forgetBefore`. */
  async recordFailure(keys: readonly string[], at: number, forgetBefore: number): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('verification_failures')
        .values(keys.map((key) => ({ key, at })))
        .execute();
      await trx.deleteFrom('verification_failures').where('at', '<=', forgetBefore).execute();
    });
  }
}
