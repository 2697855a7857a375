import type { Kysely } from 'kysely';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

export class SymptomsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'symptoms'>, trx: Kysely<Database> = this.db): Promise<Row<'symptoms'>> {
    await trx.insertInto('symptoms').values(row).execute();
    return trx.selectFrom('symptoms').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  }
}
