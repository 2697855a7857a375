import type { Kysely } from 'kysely';
import type { RevokeReason } from '../../contracts/cases.js';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database, Row, RowUpdate } from '../../platform/db/tables.js';
import { lockKeys } from '../../platform/db/write-locks.js';
import { conflict, notFound } from '../../platform/http/problem.js';
import type { CaseChangesService } from '../tracing/case-changes.js';
import type { TraceScheduler } from '../tracing/worker.js';
import { activeCaseLock, type CaseDates } from './case-reports-service.js';
import { caseStatusOf } from './model.js';
import type { CasesRepository } from './repository.js';

/** A correction of a case's dates or report type (each field: its new value). */
export interface CaseCorrection {
  readonly onset_date?: string | null;
  readonly test_date?: string | null;
  readonly report_type?: 'confirmed_test' | 'clinical_diagnosis';
}

/** One field a change moved, for the audit log. */
export interface FieldChange {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

const CORRECTABLE = ['onset_date', 'test_date', 'report_type'] as const;

/**
 * A case after it was opened: corrected (its window worked out again and traced again at once: risks that left the
 * window are removed as stale, the days re-summed, a fall notified as an update), closed (no longer traced or
 * matched against late uploads; its risks stay), or revoked (its risks removed and its contacts told, in the same
 * transaction as the case's change). Each change reaches the case manager's stream, and analytics and the zone scan
 * hear of the days it counted on.
 */
export class CaseLifeCycleService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly cases: CasesRepository,
    private readonly tracer: Pick<TraceScheduler, 'enqueue' | 'kick'>,
    private readonly bus: EventBus,
    private readonly windowOf: (row: CaseDates) => { start: number; end: number },
    private readonly caseChanges: Pick<CaseChangesService, 'apply'>,
  ) {}

  async change(
    caseId: string,
    request: { correction: CaseCorrection; close: boolean; reason: string },
  ): Promise<{ case: Row<'cases'>; changes: FieldChange[] }> {
    const now = Date.now();
    const result = await this.db.transaction().execute(async (trx) => {
      const row = await this.lockOpenCase(trx, caseId);
      const patch: RowUpdate<'cases'> = {};
      const changes: FieldChange[] = [];
      for (const field of CORRECTABLE) {
        const value = request.correction[field];
        if (value === undefined || value === row[field]) continue;
        Object.assign(patch, { [field]: value });
        changes.push({ field, from: row[field], to: value });
      }
      const corrected = changes.length > 0;
      if (corrected) {
        // A professional's report type confirms the case (and ends a hold, if one was left).
        if (patch.report_type !== undefined)
          Object.assign(patch, { confirmed_at: row.confirmed_at ?? now, held_at: null });
        const window = this.windowOf({ ...row, ...patch } as CaseDates);
        Object.assign(patch, { window_start: window.start, window_end: window.end });
      }
      if (request.close) {
        Object.assign(patch, { status: 'closed', closed_at: now });
        changes.push({ field: 'status', from: caseStatusOf(row), to: 'closed' });
      }
      if (changes.length === 0) return { row, changes, scheduled: undefined, staged: undefined, before: row };
      await this.cases.update(trx, row.id, { ...patch, updated_at: now });
      // A closed case is traced no more; a corrected one is traced again at once, as a report's case is.
      const scheduled =
        corrected && !request.close
          ? await this.tracer.enqueue(trx, { kind: 'trace_case', caseId: row.id })
          : undefined;
      const changed = (await this.cases.findById(trx, row.id))!;
      const staged = await this.caseChanges.apply(
        trx,
        {
          caseId: row.id,
          managedBy: changed.managed_by,
          change: request.close ? 'closed' : 'corrected',
          status: caseStatusOf(changed),
          reason: request.reason,
        },
        null,
        now,
      );
      return { row: changed, changes, scheduled, staged, before: row };
    });
    if (result.scheduled !== undefined) this.tracer.kick(result.scheduled);
    await result.staged?.publish();
    if (result.changes.some((c) => c.field === 'onset_date')) {
      await this.publish({
        type: 'case.corrected',
        case_id: result.row.id,
        user_id: result.row.user_id,
        case_dates: datesOf(result.before, result.row),
        at: new Date(now).toISOString(),
      });
    }
    return { case: result.row, changes: result.changes };
  }

  /**
   * Revokes an open case in one transaction: the case's status, and every risk it caused removed with its effects
   * on the people it exposed (see CaseChangesService). Then the notifications go out and the case no longer counts.
   */
  async revoke(caseId: string, reason: RevokeReason): Promise<Row<'cases'>> {
    const now = Date.now();
    const { row, staged } = await this.db.transaction().execute(async (trx) => {
      const open = await this.lockOpenCase(trx, caseId);
      await this.cases.update(trx, open.id, {
        status: 'revoked',
        revoked_at: now,
        revoked_reason: reason,
        updated_at: now,
      });
      const revoked = (await this.cases.findById(trx, open.id))!;
      const staged = await this.caseChanges.apply(
        trx,
        { caseId: open.id, managedBy: open.managed_by, change: 'revoked', status: 'revoked', reason },
        reason,
        now,
      );
      return { row: revoked, staged };
    });
    await staged.publish();
    await this.publish({
      type: 'case.revoked',
      case_id: row.id,
      user_id: row.user_id,
      case_dates: datesOf(row),
      at: new Date(now).toISOString(),
    });
    return row;
  }

  /** The case, read again under its person's lock; 409 once it is closed or revoked. */
  private async lockOpenCase(trx: Kysely<Database>, caseId: string): Promise<Row<'cases'>> {
    const first = await this.cases.findById(trx, caseId);
    if (first === undefined) throw notFound(`case ${caseId} does not exist`);
    await lockKeys(trx, [activeCaseLock(first.user_id)]);
    const row = (await this.cases.findById(trx, caseId))!;
    if (row.status !== 'active') throw conflict(`case ${row.id} is ${caseStatusOf(row)}: it can no longer be changed`);
    return row;
  }

  private async publish(event: DomainEvent): Promise<void> {
    await this.bus.publish(DOMAIN_EVENTS_CHANNEL, event).catch(() => undefined); // subscribers also rescan the database
  }
}

/** The report and onset dates the case counted on, in every version given. */
function datesOf(...versions: ReadonlyArray<Pick<Row<'cases'>, 'report_date' | 'onset_date'>>): string[] {
  return [...new Set(versions.flatMap((v) => [v.report_date, v.onset_date].filter((d): d is string => d !== null)))];
}
