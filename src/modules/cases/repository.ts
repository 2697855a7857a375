import type { Kysely } from 'kysely';
import type { Keyset } from '../../platform/db/keyset.js';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

export class CasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'cases'>): Promise<Row<'cases'>> {
    await this.db.insertInto('cases').values(row).execute();
    return (await this.findById(row.id))!;
  }

  findById(id: string): Promise<Row<'cases'> | undefined> {
    return this.db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async isPersonManagedBy(userId: string, staffId: string): Promise<boolean> {
    const row = await this.db.selectFrom('cases').select('id').where('managed_by', '=', staffId).where('user_id', '=', userId).limit(1).executeTakeFirst();
    return row !== undefined;
  }

  listManagedBy(staffId: string, limit: number, after: Keyset | null): Promise<Row<'cases'>[]> {
    let query = this.db.selectFrom('cases').selectAll().where('managed_by', '=', staffId);
    if (after !== null) {
      query = query.where((eb) => eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]));
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit + 1).execute();
  }
}
