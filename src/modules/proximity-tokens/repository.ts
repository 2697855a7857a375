import type { Kysely } from 'kysely';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';

// Well under SQLite's and PostgreSQL's bound-parameter limits (4 parameters per row).
const INSERT_CHUNK = 500;
const LOOKUP_CHUNK = 1000;

export class ProximityTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts the tokens not stored yet; a token already stored is left as it is. Returns how many were new. */
  async insertMissing(rows: NewRow<'proximity_tokens'>[]): Promise<number> {
    let created = 0;
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const result = await this.db
        .insertInto('proximity_tokens')
        .values(rows.slice(i, i + INSERT_CHUNK))
        .onConflict((oc) => oc.column('token').doNothing())
        .executeTakeFirst();
      created += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return created;
  }

  /** The stored rows of these tokens (primary-key lookups); unknown tokens are absent. */
  async findByTokens(tokens: string[]): Promise<Row<'proximity_tokens'>[]> {
    const rows: Row<'proximity_tokens'>[] = [];
    for (let i = 0; i < tokens.length; i += LOOKUP_CHUNK) {
      rows.push(
        ...(await this.db
          .selectFrom('proximity_tokens')
          .selectAll()
          .where('token', 'in', tokens.slice(i, i + LOOKUP_CHUNK))
          .execute()),
      );
    }
    return rows;
  }

  /** Deletes tokens whose validity ended at or before `cutoff` (epoch ms). */
  async deleteValidToAtOrBefore(cutoff: number): Promise<number> {
    const result = await this.db.deleteFrom('proximity_tokens').where('valid_to', '<=', cutoff).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
