import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';
import type { StaffSessionEnd, StaffSessionsTable } from './tables.js';

export type StaffSessionRow = StaffSessionsTable;

/** Queries of staff sessions (refresh token families). */
export class StaffSessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: StaffSessionRow): Promise<void> {
    await this.db.insertInto('staff_sessions').values(row).execute();
  }

  findByHash(tokenHash: string): Promise<StaffSessionRow | undefined> {
    return this.db.selectFrom('staff_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /**
   * Spends `spent` and adds `next` to its family, in one transaction. False, with nothing written, when the token was
   * spent or revoked in the meantime (another request presented it first).
   */
  async rotate(spent: StaffSessionRow, next: StaffSessionRow, now: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('staff_sessions')
        .set({ used_at: now })
        .where('id', '=', spent.id)
        .where('used_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await trx.insertInto('staff_sessions').values(next).execute();
      return true;
    });
  }

  /** Revokes every token of a family not revoked yet. */
  async revokeFamily(familyId: string, reason: StaffSessionEnd, now: number): Promise<void> {
    await this.db
      .updateTable('staff_sessions')
      .set({ revoked_at: now, revoked_reason: reason })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  /** Deletes tokens that expired before `cutoff` (revoked ones too: a revoked token still expires). */
  async deleteExpiredBefore(cutoff: number): Promise<number> {
    const result = await this.db.deleteFrom('staff_sessions').where('expires_at', '<', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
