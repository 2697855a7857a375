import type { Kysely } from 'kysely';
import type { Database, NewRow, Row, StaffRole } from '../../platform/db/tables.js';

/** Thrown by insert when the username is already taken (also when two creations race). */
export class UsernameTaken extends Error {
  constructor(readonly username: string) {
    super(`username "${username}" is taken`);
  }
}

/** PostgreSQL unique_violation, or SQLite's UNIQUE constraint failure (better-sqlite3 error codes). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export class StaffRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: NewRow<'staff'>): Promise<Row<'staff'>> {
    try {
      await this.db.insertInto('staff').values(row).execute();
    } catch (error) {
      // The id is a fresh random UUID, so the only unique column that can collide is the username.
      if (isUniqueViolation(error)) throw new UsernameTaken(row.username);
      throw error;
    }
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

  /** How many staff accounts exist, disabled ones included. */
  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('staff')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  list(): Promise<Row<'staff'>[]> {
    return this.db.selectFrom('staff').selectAll().orderBy('username').execute();
  }
}
