import type { Kysely } from 'kysely';
import type { Keyset } from '../../platform/db/keyset.js';
import type { CaseStatus } from '../../contracts/cases.js';
import type { Database, NewRow, Row, RowUpdate } from '../../platform/db/tables.js';
import type { AppCaseReport } from './epidemic-cases.js';

export class CasesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(trx: Kysely<Database>, row: NewRow<'cases'>): Promise<void> {
    await trx.insertInto('cases').values(row).execute();
  }

  async update(trx: Kysely<Database>, id: string, patch: RowUpdate<'cases'>): Promise<void> {
    await trx.updateTable('cases').set(patch).where('id', '=', id).execute();
  }

  find(id: string): Promise<Row<'cases'> | undefined> {
    return this.findById(this.db, id);
  }

  findById(trx: Kysely<Database>, id: string): Promise<Row<'cases'> | undefined> {
    return trx.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The person has a case this professional manages, or is a traced contact of one. */
  async isPersonManagedBy(userId: string, staffId: string): Promise<boolean> {
    const ownCase = await this.db
      .selectFrom('cases')
      .select('id')
      .where('managed_by', '=', staffId)
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    if (ownCase !== undefined) return true;
    const contact = await this.db
      .selectFrom('exposure_risks as r')
      .innerJoin('cases as c', 'c.id', 'r.case_id')
      .select('r.id')
      .where('c.managed_by', '=', staffId)
      .where('r.exposed_user_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return contact !== undefined;
  }

  /** The person's active case, if any (a person has at most one). */
  findActiveForUser(trx: Kysely<Database>, userId: string): Promise<Row<'cases'> | undefined> {
    return trx
      .selectFrom('cases')
      .selectAll()
      .where('user_id', '=', userId)
      .where('status', '=', 'active')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** App cases reported in [fromDate, toDate] (YYYY-MM-DD, inclusive); a revoked case never was one. */
  reportedBetween(fromDate: string, toDate: string): Promise<AppCaseReport[]> {
    return this.db
      .selectFrom('cases')
      .select(['id', 'onset_date', 'report_date', 'cell'])
      .where('report_date', '>=', fromDate)
      .where('report_date', '<=', toDate)
      .where('status', '!=', 'revoked')
      .execute();
  }

  /**
   * Cases newest first, page by page: a person's own (`userId`), or those a professional manages (`staffId`), with
   * the unmanaged ones too when `includeUnmanaged` (the review list of open cases nobody has taken on yet); only
   * those in `status` when given (see caseStatusOf for how a status is stored).
   */
  listCases(
    scope: { readonly userId: string } | { readonly staffId: string; readonly includeUnmanaged: boolean },
    status: CaseStatus | undefined,
    limit: number,
    after: Keyset | null,
  ): Promise<Row<'cases'>[]> {
    let query = this.db.selectFrom('cases').selectAll();
    if ('userId' in scope) query = query.where('user_id', '=', scope.userId);
    else if (scope.includeUnmanaged)
      query = query.where((eb) => eb.or([eb('managed_by', '=', scope.staffId), eb('managed_by', 'is', null)]));
    else query = query.where('managed_by', '=', scope.staffId);
    switch (status) {
      case undefined:
        break;
      case 'closed':
      case 'revoked':
        query = query.where('status', '=', status);
        break;
      case 'held':
        query = query.where('status', '=', 'active').where('held_at', 'is not', null);
        break;
      case 'self_reported':
        query = query.where('status', '=', 'active').where('held_at', 'is', null).where('report_type', '=', status);
        break;
      case 'confirmed':
        query = query
          .where('status', '=', 'active')
          .where('held_at', 'is', null)
          .where('report_type', '!=', 'self_reported');
        break;
    }
    if (after !== null) {
      query = query.where((eb) =>
        eb.or([eb('created_at', '<', after.at), eb.and([eb('created_at', '=', after.at), eb('id', '<', after.id)])]),
      );
    }
    return query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
  }
}
