import { randomUUID } from 'node:crypto';
import type { Case, CreateCaseBody } from '../../contracts/cases.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden, notFound } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import { isPlausibleOnsetDate } from '../symptoms/model.js';
import type { UsersRepository } from '../users/repository.js';
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

export class CasesService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly rules: { timeZone: string; maxOnsetAgeDays: number },
  ) {}

  /** A health professional confirms a case for an app user and becomes its manager. */
  async confirm(actor: AuthenticatedPrincipal, body: CreateCaseBody, requestId: string): Promise<Case> {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional') throw forbidden('only health professionals confirm cases');
    for (const field of ['test_date', 'onset_date'] as const) {
      const value = body[field];
      if (value === undefined) continue;
      const problem = isPlausibleOnsetDate(value, Date.now(), this.rules.timeZone, this.rules.maxOnsetAgeDays);
      if (problem !== null) throw badRequest(`body/${field} ${problem}`);
    }
    if ((await this.users.findById(body.user_id)) === undefined) throw notFound(`user ${body.user_id} does not exist`);
    const row = await this.cases.insert({
      id: randomUUID(),
      user_id: body.user_id,
      report_type: body.report_type,
      test_date: body.test_date ?? null,
      onset_date: body.onset_date ?? null,
      managed_by: actor.staffId,
      created_at: Date.now(),
    });
    await this.audit.recordAccess(actor, 'cases.confirm', body.user_id, requestId);
    return present(row);
  }

  async listManaged(actor: AuthenticatedPrincipal, query: { limit?: number; cursor?: string }) {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional') throw forbidden('only health professionals manage cases');
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null) throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.cases.listManagedBy(actor.staffId, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
    return { cases: page.items.map(present), next_cursor: page.nextCursor };
  }
}
