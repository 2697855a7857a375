import type { Kysely } from 'kysely';
import type { Database, NewRow } from '../../platform/db/tables.js';

export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'audit_log'>): Promise<void> {
    await this.db.insertInto('audit_log').values(row).execute();
  }

  /** Keeps staff accountability after erasure while unlinking the record from the erased person. */
  async pseudonymiseSubject(trx: Kysely<Database>, userId: string): Promise<void> {
    await trx
      .updateTable('audit_log')
      .set({ subject_user_id: null, subject_erased: 1 })
      .where('subject_user_id', '=', userId)
      .execute();
  }

  async listForSubject(userId: string) {
    return this.db.selectFrom('audit_log').selectAll().where('subject_user_id', '=', userId).orderBy('at').execute();
  }
}
