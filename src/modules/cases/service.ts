import type {
  Case,
  CaseStatus,
  CreateCaseBody,
  PatchCaseBody,
  RevokeCaseBody,
  RevokeReason,
} from '../../contracts/cases.js';
import { OPEN_CASE_STATUSES } from '../../contracts/cases.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, conflict, forbidden, notFound } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import { isPlausibleOnsetDate } from '../../platform/time/plausible-dates.js';
import type { CaseLifeCycleService } from './case-life-cycle.js';
import type { CaseReportsService } from './case-reports-service.js';
import { caseStatusOf, presentCase } from './model.js';
import type { CasesRepository } from './repository.js';

/** Whether an app account exists: all this module needs of the users module. */
export interface UserDirectory {
  findById(id: string): Promise<object | undefined>;
}

export class CasesService {
  constructor(
    private readonly cases: CasesRepository,
    private readonly reports: CaseReportsService,
    private readonly lifeCycle: CaseLifeCycleService,
    private readonly users: UserDirectory,
    private readonly audit: AuditService,
    private readonly rules: { timeZone: string; maxOnsetAgeDays: number },
  ) {}

  /**
   * A health professional confirms a case for an app user and becomes its manager: creates the person's case, or
   * upgrades their open one (e.g. a self-report now confirmed by a test, which also ends a hold). This is also how a
   * professional takes on an unmanaged case (a self-report from the review list, or a laboratory's code): the first
   * professional to confirm it becomes its manager; a managed case keeps its manager.
   */
  async confirm(
    actor: AuthenticatedPrincipal,
    body: CreateCaseBody,
    requestId: string,
  ): Promise<{ case: Case; created: boolean }> {
    const staffId = this.professional(actor, 'only health professionals confirm cases');
    this.checkDates(body);
    this.checkReportDate(body);
    const userId = body.user_id.toLowerCase();
    if ((await this.users.findById(userId)) === undefined) throw notFound(`user ${body.user_id} does not exist`);
    const { case: row, created } = await this.reports.record(
      {
        userId,
        reportType: body.report_type,
        onsetDate: body.onset_date ?? null,
        testDate: body.test_date ?? null,
        managedBy: staffId,
        reportDate: body.report_date ?? null,
      },
      async () => undefined,
    );
    // A case entered as reported earlier says so in the audit log (the day it then counts on).
    const detail = body.report_date === undefined ? null : `reported on ${body.report_date}`;
    await this.audit.recordAccess(actor, 'cases.confirm', userId, requestId, detail);
    return { case: presentCase(row), created };
  }

  /**
   * A professional's cases: those they manage, and, filtering by an open status (`self_reported`, `held`,
   * `confirmed`), the open cases nobody manages yet too (the review list). An app user's: their own.
   */
  async list(actor: AuthenticatedPrincipal, query: { limit?: number; cursor?: string; status?: CaseStatus }) {
    const scope =
      actor.kind === 'user'
        ? { userId: actor.userId }
        : {
            staffId: this.professional(actor, 'only health professionals manage cases'),
            includeUnmanaged: query.status !== undefined && OPEN_CASE_STATUSES.includes(query.status),
          };
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.cases.listCases(scope, query.status, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
    return { cases: page.items.map(presentCase), next_cursor: page.nextCursor };
  }

  /**
   * One case: to the professional managing it, or to any professional while it is open and nobody manages it (the
   * review list), an audited read; to its own person.
   */
  async get(actor: AuthenticatedPrincipal, rawId: string, requestId: string): Promise<Case> {
    const row = await this.find(rawId);
    if (actor.kind === 'user') {
      if (row.user_id !== actor.userId) throw forbidden('an app user may only see their own cases');
      return presentCase(row);
    }
    const staffId = this.professional(actor, 'only health professionals read cases');
    if (row.managed_by !== staffId && !(row.managed_by === null && isOpen(row)))
      throw forbidden('only the professional managing this case may read it');
    await this.audit.recordAccess(actor, 'cases.read', row.user_id, requestId);
    return presentCase(row);
  }

  /**
   * The managing professional corrects a case (onset or test date, report type: its window is worked out again and
   * it is traced again at once) or closes it; each change audited with its reason. A closed or revoked case is not
   * changed (409).
   */
  async patch(actor: AuthenticatedPrincipal, rawId: string, body: PatchCaseBody, requestId: string): Promise<Case> {
    const staffId = this.professional(actor, 'only health professionals correct cases');
    const row = await this.find(rawId);
    if (row.managed_by !== staffId) throw forbidden('only the professional managing this case may change it');
    if (!isOpen(row)) throw conflict(`case ${row.id} is ${caseStatusOf(row)}: it can no longer be changed`);
    this.checkDates(body);
    const { case: changed, changes } = await this.lifeCycle.change(row.id, {
      correction: {
        ...(body.onset_date !== undefined ? { onset_date: body.onset_date } : {}),
        ...(body.test_date !== undefined ? { test_date: body.test_date } : {}),
        ...(body.report_type !== undefined ? { report_type: body.report_type } : {}),
      },
      close: body.status === 'closed',
      reason: body.reason,
    });
    await this.audit.recordAccess(
      actor,
      body.status === 'closed' ? 'cases.close' : 'cases.correct',
      row.user_id,
      requestId,
      auditDetail(body.reason, changes),
    );
    return presentCase(changed);
  }

  /**
   * Revokes a case (a negative test, or entered in error): its managing professional, any open case; a professional
   * an open unconfirmed case nobody manages (the review list); its own person, while it is an unconfirmed self-report.
   */
  async revoke(actor: AuthenticatedPrincipal, rawId: string, body: RevokeCaseBody, requestId: string): Promise<Case> {
    const row = await this.find(rawId);
    const status = caseStatusOf(row);
    const unconfirmed = status === 'self_reported' || status === 'held';
    if (actor.kind === 'user') {
      if (row.user_id !== actor.userId) throw forbidden('an app user may only withdraw their own self-report');
      if (isOpen(row) && !unconfirmed)
        throw forbidden('a confirmed case is revoked by the professional managing it, not by its person');
    } else {
      const staffId = this.professional(actor, 'only health professionals revoke cases');
      if (row.managed_by !== staffId && !(row.managed_by === null && unconfirmed))
        throw forbidden('only the professional managing this case may revoke it');
    }
    if (!isOpen(row)) throw conflict(`case ${row.id} is ${status}: it can no longer be revoked`);
    const revoked = await this.lifeCycle.revoke(row.id, body.reason as RevokeReason);
    await this.audit.recordAccess(
      actor,
      'cases.revoke',
      row.user_id,
      requestId,
      body.note === undefined ? body.reason : `${body.reason}: ${body.note}`,
    );
    return presentCase(revoked);
  }

  private async find(rawId: string): Promise<Row<'cases'>> {
    const id = rawId.toLowerCase();
    const row = await this.cases.find(id);
    if (row === undefined) throw notFound(`case ${id} does not exist`);
    return row;
  }

  private professional(actor: AuthenticatedPrincipal, denial: string): string {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional') throw forbidden(denial);
    return actor.staffId;
  }

  /**
   * A case reported earlier than today: a real day, not in the future, no older than an onset may be, and not before
   * the test that established it.
   */
  private checkReportDate(body: { report_date?: string; test_date?: string }): void {
    if (body.report_date === undefined) return;
    const problem = isPlausibleOnsetDate(body.report_date, Date.now(), this.rules.timeZone, this.rules.maxOnsetAgeDays);
    if (problem !== null) throw badRequest(`body/report_date ${problem}`);
    if (body.test_date !== undefined && body.report_date < body.test_date)
      throw badRequest(
        `body/report_date may not be before test_date (${body.test_date}): a case is reported once tested`,
      );
  }

  private checkDates(body: { test_date?: string | null; onset_date?: string | null }): void {
    for (const field of ['test_date', 'onset_date'] as const) {
      const value = body[field];
      if (value === undefined || value === null) continue;
      const problem = isPlausibleOnsetDate(value, Date.now(), this.rules.timeZone, this.rules.maxOnsetAgeDays);
      if (problem !== null) throw badRequest(`body/${field} ${problem}`);
    }
  }
}

const isOpen = (row: Row<'cases'>) => row.status === 'active';

/** The audit log's detail of a change: the reason given, then what changed from what to what. */
function auditDetail(reason: string, changes: ReadonlyArray<{ field: string; from: unknown; to: unknown }>): string {
  if (changes.length === 0) return reason;
  const show = (value: unknown) => (value === null ? 'none' : String(value));
  return `${reason} (${changes.map((c) => `${c.field}: ${show(c.from)} -> ${show(c.to)}`).join('; ')})`;
}
