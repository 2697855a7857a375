import type { Kysely } from 'kysely';
import type { Database, NewRow, Row, StaffRole } from '../../platform/db/tables.js';

export class StaffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'staff'>): Promise<Row<'staff'>> {
    await this.db.insertInto('staff').values(row).execute();
    return (await this.findById(row.id))!;
  }

  findById(id: string): Promise<Row<'staff'> | undefined> {
    return this.db.selectFrom('staff').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<Row<'staff'> | undefined> {
    return this.db.selectFrom('staff').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async activeRole(id: string): Promise<StaffRole | null> {
    const row = await this.db.selectFrom('staff').select(['role', 'disabled']).where('id', '=', id).executeTakeFirst();
    return row === undefined || row.disabled !== 0 ? null : row.role;
  }

  list(): Promise<Row<'staff'>[]> {
    return this.db.selectFrom('staff').selectAll().orderBy('username').execute();
  }
}
