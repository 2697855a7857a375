import type { Kysely } from 'kysely';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

/** What an erasure took out of the epidemic's counts (no one is named). */
export interface ErasedPerson {
  readonly caseDates: string[];
  readonly notifiedAt: number[];
}

export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insertWithToken(user: NewRow<'users'>, tokenHash: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('users').values(user).execute();
      await trx
        .insertInto('device_tokens')
        .values({ token_hash: tokenHash, user_id: user.id, created_at: user.created_at })
        .execute();
    });
  }

  findById(id: string): Promise<Row<'users'> | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async userForTokenHash(tokenHash: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('device_tokens')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row?.user_id ?? null;
  }

  /**
   * Erases a person: their interactions (with their matching-index rows and the exposure risks computed on
   * them), symptoms, cases, trace jobs, proximity tokens, daily exposure totals, notifications, tokens and account.
   * Risks of other people that this person's case caused keep their numbers but
   * lose the link to the case; audit records keep the staff action but lose the link to the person.
   */
  async erase(id: string): Promise<ErasedPerson | null> {
    return this.db.transaction().execute(async (trx) => {
      const cases = await trx
        .selectFrom('cases')
        .select(['report_date', 'onset_date'])
        .where('user_id', '=', id)
        .execute();
      const notified = await trx
        .selectFrom('notifications')
        .select('created_at')
        .where('user_id', '=', id)
        .where('tier', 'in', ['medium', 'high'])
        .execute();
      await trx
        .deleteFrom('exposure_risks')
        .where('interaction_id', 'in', trx.selectFrom('interactions').select('id').where('user_id', '=', id))
        .execute();
      await trx
        .updateTable('exposure_risks')
        .set({ case_id: null })
        .where('case_id', 'in', trx.selectFrom('cases').select('id').where('user_id', '=', id))
        .execute();
      await trx
        .deleteFrom('trace_jobs')
        .where((eb) =>
          eb.or([
            eb('user_id', '=', id),
            eb('case_id', 'in', eb.selectFrom('cases').select('id').where('user_id', '=', id)),
          ]),
        )
        .execute();
      await trx.deleteFrom('presence_index').where('user_id', '=', id).execute();
      await trx.deleteFrom('interactions').where('user_id', '=', id).execute();
      // Other people's records of encounters with this person stay theirs, but no longer point to them.
      await trx.updateTable('interactions').set({ peer_user_id: null }).where('peer_user_id', '=', id).execute();
      await trx.deleteFrom('proximity_tokens').where('user_id', '=', id).execute();
      await trx.deleteFrom('exposure_days').where('user_id', '=', id).execute();
      await trx.deleteFrom('notifications').where('user_id', '=', id).execute();
      // Case managers' stream events name the contact; the person's erasure removes those that name them.
      await trx.deleteFrom('staff_events').where('payload', 'like', `%${id}%`).execute();
      await trx.deleteFrom('symptoms').where('user_id', '=', id).execute();
      await trx.deleteFrom('cases').where('user_id', '=', id).execute();
      // A verification code the person redeemed stays used, but no longer points to them or their case.
      await trx
        .updateTable('verification_codes')
        .set({ used_by: null, case_id: null })
        .where('used_by', '=', id)
        .execute();
      await trx.deleteFrom('device_tokens').where('user_id', '=', id).execute();
      await trx
        .updateTable('audit_log')
        .set({ subject_user_id: null, subject_erased: 1 })
        .where('subject_user_id', '=', id)
        .execute();
      const result = await trx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
      if (result.numDeletedRows === 0n) return null;
      const caseDates = new Set(
        cases.flatMap((c) => [c.report_date, c.onset_date]).filter((d): d is string => d !== null),
      );
      return { caseDates: [...caseDates].sort(), notifiedAt: notified.map((n) => Number(n.created_at)) };
    });
  }
}
