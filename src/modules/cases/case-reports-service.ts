import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database, ReportType, Row } from '../../platform/db/tables.js';
import { lockKeys } from '../../platform/db/write-locks.js';
import { calendarDay } from '../../platform/time/calendar.js';
import type { TraceScheduler } from '../tracing/worker.js';
import type { CasesRepository } from './repository.js';

const STRENGTH: Record<ReportType, number> = { self_reported: 1, clinical_diagnosis: 2, confirmed_test: 3 };

export interface CaseReport {
  readonly userId: string;
  readonly reportType: ReportType;
  readonly onsetDate: string | null;
  readonly testDate: string | null;
  readonly managedBy: string | null;
  /**
   * The day the case was reported, when a professional enters one reported earlier (YYYY-MM-DD); null: the day the
   * report arrives.
   */
  readonly reportDate?: string | null;
}

const earliestOf = (...dates: ReadonlyArray<string | null | undefined>): string | null =>
  dates.filter((d): d is string => typeof d === 'string').sort()[0] ?? null;

/**
 * Pure: how a new report changes a person's active case. The stronger report type wins (a confirmed test
 * upgrades a self-report, never the reverse), the earliest known onset wins, so does the earliest report date (a
 * confirmation entered with the day it was reported, earlier than a self-report that reached the server first), a
 * manager once set stays.
 */
export function mergeReport(existing: Row<'cases'>, report: CaseReport): Partial<Row<'cases'>> {
  return {
    report_type:
      STRENGTH[report.reportType] > STRENGTH[existing.report_type] ? report.reportType : existing.report_type,
    onset_date: earliestOf(existing.onset_date, report.onsetDate),
    test_date: report.testDate ?? existing.test_date,
    managed_by: existing.managed_by ?? report.managedBy,
    report_date: earliestOf(existing.report_date, report.reportDate),
  };
}

/** What a case's infectious window depends on. */
export type CaseDates = Pick<Row<'cases'>, 'onset_date' | 'report_date' | 'created_at' | 'report_type'>;

/** The lock every change of a person's open case is made under (a report, a correction, a revocation). */
export const activeCaseLock = (userId: string) => `active-case:${userId}`;

/**
 * A symptom report or a case confirmation: one active case per person, created or upgraded in the same
 * transaction as the report itself, with a trace job; the trace runs as soon as the transaction commits.
 */
export class CaseReportsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cases: CasesRepository,
    private readonly tracer: Pick<TraceScheduler, 'enqueue' | 'kick'>,
    private readonly timeZone: string,
    private readonly bus: EventBus,
    /**
     * The infectious window of a case (the risk model's), stored with the report: uploads arriving before the trace
     * runs are then matched against the case, and the trace need not write it first.
     */
    private readonly windowOf: (row: CaseDates) => { start: number; end: number },
    /**
     * SELF_REPORTS: with `hold`, a self-report opens its case held (`held_at`): traced, its contacts' risks written,
     * but counted towards nobody's notification until a confirmation clears the hold and traces it again.
     */
    private readonly selfReports: 'notify' | 'hold' | 'off' = 'notify',
  ) {}

  private withWindow(row: CaseDates): Pick<Row<'cases'>, 'window_start' | 'window_end'> {
    const window = this.windowOf(row);
    return { window_start: window.start, window_end: window.end };
  }

  async record<T>(
    report: CaseReport,
    alsoWrite: (trx: Kysely<Database>) => Promise<T>,
  ): Promise<{ case: Row<'cases'>; created: boolean; written: T }> {
    const now = Date.now();
    const result = await this.db.transaction().execute(async (trx) => {
      // Two reports of one person at once (a self-report and a professional's confirmation) must meet one case.
      await lockKeys(trx, [activeCaseLock(report.userId)]);
      const written = await alsoWrite(trx);
      const existing = await this.cases.findActiveForUser(trx, report.userId);
      let id: string;
      if (existing === undefined) {
        id = randomUUID();
        const row = {
          id,
          user_id: report.userId,
          report_type: report.reportType,
          onset_date: report.onsetDate,
          test_date: report.testDate,
          managed_by: report.managedBy,
          report_date: report.reportDate ?? calendarDay(now, this.timeZone),
          created_at: now,
          updated_at: now,
          confirmed_at: report.reportType === 'self_reported' ? null : now,
          held_at: report.reportType === 'self_reported' && this.selfReports === 'hold' ? now : null,
        };
        await this.cases.insert(trx, { ...row, ...this.withWindow(row) });
      } else {
        id = existing.id;
        const merged = { ...mergeReport(existing, report), updated_at: now };
        // A confirmation (by a professional or a verification code) ends a self-report's hold.
        if (report.reportType !== 'self_reported') {
          Object.assign(merged, { confirmed_at: existing.confirmed_at ?? now, held_at: null });
        }
        await this.cases.update(trx, id, { ...merged, ...this.withWindow({ ...existing, ...merged }) });
      }
      const scheduled = await this.tracer.enqueue(trx, { kind: 'trace_case', caseId: id });
      const row = (await this.cases.findById(trx, id))!;
      return { case: row, created: existing === undefined, written, scheduled };
    });
    this.tracer.kick(result.scheduled);
    const event: DomainEvent = {
      type: 'case.reported',
      case_id: result.case.id,
      user_id: result.case.user_id,
      report_type: result.case.report_type,
      onset_date: result.case.onset_date,
      report_date: result.case.report_date,
      created: result.created,
      at: new Date(now).toISOString(),
    };
    await this.bus.publish(DOMAIN_EVENTS_CHANNEL, event).catch(() => undefined); // subscribers also rescan the database
    return { case: result.case, created: result.created, written: result.written };
  }
}
