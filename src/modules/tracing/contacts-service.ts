import type { CaseContact, CaseContacts } from '../../contracts/tracing.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { forbidden, notFound } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import { compareTiers, type RiskTier } from './risk-model.js';
import type { RisksRepository } from './repositories/risks-repository.js';
import type { TracedCasesRepository } from './repositories/traced-cases-repository.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A case manager's view of the people a case exposed, their risks, tiers and notification state. */
export class CaseContactsService {
  constructor(
    private readonly cases: TracedCasesRepository,
    private readonly risks: RisksRepository,
    private readonly audit: AuditService,
  ) {}

  async list(actor: AuthenticatedPrincipal, rawCaseId: string, requestId: string): Promise<CaseContacts> {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional')
      throw forbidden('only health professionals see the contacts of a case');
    const caseId = rawCaseId.toLowerCase();
    const row = await this.cases.findCase(caseId);
    if (row === undefined) throw notFound(`case ${caseId} does not exist`);
    if (row.managed_by !== actor.staffId) throw forbidden('only the professional managing this case sees its contacts');
    const risks = await this.risks.contactsOfCase(caseId);
    const byPerson = new Map<string, CaseContact>();
    for (const r of risks) {
      if (r.exposed_user_id === null) continue;
      let contact = byPerson.get(r.exposed_user_id);
      if (contact === undefined) {
        contact = { user_id: r.exposed_user_id, highest_tier: 'low', notified: false, days: [], risks: [] };
        byPerson.set(r.exposed_user_id, contact);
      }
      const tier = (r.tier ?? 'low') as RiskTier;
      if (!contact.days.some((d) => d.date === r.exposure_date)) {
        contact.days.push({ date: r.exposure_date, tier, notified_tier: (r.notified_tier ?? null) as RiskTier | null });
        if (compareTiers(tier, contact.highest_tier) > 0) contact.highest_tier = tier;
        if (r.notified_tier !== null && r.notified_tier !== undefined) contact.notified = true;
      }
      contact.risks.push({
        exposure_risk_id: r.id,
        interaction_id: r.interaction_id,
        risk_level: Number(r.risk_level),
        exposure_date: r.exposure_date,
        minutes: r.minutes,
        weighted_minutes: r.weighted_minutes,
        contact_kind: (r.contact_kind ?? null) as CaseContact['risks'][number]['contact_kind'],
        place: r.place,
        proximity_bucket: r.proximity_bucket,
        infectiousness: r.infectiousness,
        report_type: r.report_type,
        model_version: r.model_version,
        started_at: iso(r.episode_start),
        ended_at: iso(r.episode_end),
      });
    }
    for (const contact of byPerson.values())
      await this.audit.recordAccess(actor, 'cases.contacts', contact.user_id, requestId);
    return { case_id: row.id, traced_at: iso(row.traced_at), contacts: [...byPerson.values()] };
  }
}
