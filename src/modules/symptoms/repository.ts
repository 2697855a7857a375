import type { Kysely } from 'kysely';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

export class SymptomsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'symptoms'>): Promise<Row<'symptoms'>> {
    await this.db.insertInto('symptoms').values(row).execute();
    return this.db.selectFrom('symptoms').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  }
}
