import { randomUUID } from 'node:crypto';
import type { ReportSymptomBody, Symptom } from '../../contracts/symptoms.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import { isPlausibleOnsetDate } from '../../platform/time/plausible-dates.js';
import type { CaseReportsService } from '../cases/case-reports-service.js';
import type { SymptomsRepository } from './repository.js';

export class SymptomsService {
  constructor(
    private readonly symptoms: SymptomsRepository,
    private readonly reports: CaseReportsService,
    private readonly rules: { timeZone: string; maxOnsetAgeDays: number; selfReports: 'notify' | 'hold' | 'off' },
  ) {}

  async report(actor: AuthenticatedPrincipal, body: ReportSymptomBody): Promise<Symptom> {
    if (actor.kind !== 'user')
      throw forbidden('symptoms are reported by app users; staff confirm cases with POST /cases');
    if (body.user_id !== undefined && body.user_id.toLowerCase() !== actor.userId) {
      throw forbidden('an app user may only report their own symptoms');
    }
    const symptom = body.symptom.trim();
    if (symptom.length === 0) throw badRequest('body/symptom must not be blank');
    const problem = isPlausibleOnsetDate(body.date, Date.now(), this.rules.timeZone, this.rules.maxOnsetAgeDays);
    if (problem !== null) throw badRequest(`body/date ${problem}`);
    const symptomRow = { id: randomUUID(), user_id: actor.userId, symptom, date: body.date, reported_at: Date.now() };
    // SELF_REPORTS=off: the symptom is kept, and no case is opened (nothing is traced).
    const row =
      this.rules.selfReports === 'off' ? await this.symptoms.insert(symptomRow) : await this.recordWithCase(symptomRow);
    return {
      id: row.id,
      user_id: row.user_id,
      symptom: row.symptom,
      date: row.date,
      reported_at: new Date(row.reported_at).toISOString(),
    };
  }

  /**
   * A symptom report makes (or updates) the person's self-reported case and starts its trace (held from notifying
   * anyone until confirmed when SELF_REPORTS=hold: see CaseReportsService).
   */
  private async recordWithCase(symptomRow: Parameters<SymptomsRepository['insert']>[0]) {
    const { written } = await this.reports.record(
      {
        userId: symptomRow.user_id,
        reportType: 'self_reported',
        onsetDate: symptomRow.date,
        testDate: null,
        managedBy: null,
      },
      (trx) => this.symptoms.insert(symptomRow, trx),
    );
    return written;
  }
}
