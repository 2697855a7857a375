import type { Case, CreateCaseBody } from '../../contracts/cases.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden, notFound } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import { isPlausibleOnsetDate } from '../../platform/time/plausible-dates.js';
import type { CaseReportsService } from './case-reports-service.js';
import type { CasesRepository } from './repository.js';

function present(row: Row<'cases'>): Case {
  return {
    id: row.id,
    user_id: row.user_id,
    report_type: row.report_type,
    test_date: row.test_date,
    onset_date: row.onset_date,
    managed_by: row.managed_by,
    created_at: new Date(row.created_at).toISOString(),
  };
}

/** Whether an app account exists: all this module needs of the users module. */
export interface UserDirectory {
  findById(id: string): Promise<object | undefined>;
}

export class CasesService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly reports: CaseReportsService,
    private readonly users: UserDirectory,
    private readonly audit: AuditService,
    private readonly rules: { timeZone: string; maxOnsetAgeDays: number },
  ) {}

  /**
   * A health professional confirms a case for an app user and becomes its manager: creates the person's case, or
   * upgrades their active one (e.g. a self-report now confirmed by a test).
   */
  async confirm(
    actor: AuthenticatedPrincipal,
    body: CreateCaseBody,
    requestId: string,
  ): Promise<{ case: Case; created: boolean }> {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional')
      throw forbidden('only health professionals confirm cases');
    for (const field of ['test_date', 'onset_date'] as const) {
      const value = body[field];
      if (value === undefined) continue;
      const problem = isPlausibleOnsetDate(value, Date.now(), this.rules.timeZone, this.rules.maxOnsetAgeDays);
      if (problem !== null) throw badRequest(`body/${field} ${problem}`);
    }
    const userId = body.user_id.toLowerCase();
    if ((await this.users.findById(userId)) === undefined) throw notFound(`user ${body.user_id} does not exist`);
    const { case: row, created } = await this.reports.record(
      {
        userId,
        reportType: body.report_type,
        onsetDate: body.onset_date ?? null,
        testDate: body.test_date ?? null,
        managedBy: actor.staffId,
      },
      async () => undefined,
    );
    await this.audit.recordAccess(actor, 'cases.confirm', userId, requestId);
    return { case: present(row), created };
  }

  async listManaged(actor: AuthenticatedPrincipal, query: { limit?: number; cursor?: string }) {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional')
      throw forbidden('only health professionals manage cases');
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.cases.listManagedBy(actor.staffId, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
    return { cases: page.items.map(present), next_cursor: page.nextCursor };
  }
}
