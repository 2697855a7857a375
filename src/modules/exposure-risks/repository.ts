import type { Kysely } from 'kysely';
import type { Keyset } from '../../platform/db/keyset.js';
import type { Database, Row } from '../../platform/db/tables.js';

export class ExposureRisksRepository {
  constructor(private readonly db: Kysely<Database>) {}

  listForInteraction(interactionId: string, limit: number, after: Keyset | null): Promise<Row<'exposure_risks'>[]> {
    let query = this.db.selectFrom('exposure_risks').selectAll().where('interaction_id', '=', interactionId);
    if (after !== null) {
      query = query.where((eb) =>
        eb.or([eb('updated_at', '<', after.at), eb.and([eb('updated_at', '=', after.at), eb('id', '<', after.id)])]),
      );
    }
    return query
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  }
}
