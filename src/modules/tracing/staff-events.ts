import type { Kysely } from 'kysely';
import type { ExposureRiskEvent } from '../../contracts/staff-stream.js';
import type { Database } from '../../platform/db/tables.js';
import type { ExposureRiskDraft } from './matching.js';
import { personDay } from './person-day.js';
import type { TracingRepository } from './repository.js';

/** The bus channel of a case manager's live stream. */
export const staffChannel = (staffId: string) => `staff:${staffId}`;

export type { CaseChangedEvent, ExposureRiskEvent, StaffEvent } from '../../contracts/staff-stream.js';

/**
 * Case managers' stream events for the risks just written, stored in the same transaction as the risks.
 * `managers`: the manager of each managed case; `tiers`: each person-day's tier after the write.
 */
export async function staffEventsFor(
  trx: Kysely<Database>,
  tracing: Pick<TracingRepository, 'risksFor' | 'insertStaffEvents'>,
  drafts: readonly ExposureRiskDraft[],
  managers: Map<string, string>,
  tiers: Map<string, string>,
  now: number,
): Promise<Array<{ staffId: string; event: ExposureRiskEvent }>> {
  const managed = drafts.filter((d) => managers.has(d.case_id));
  if (managed.length === 0) return [];
  const risks = await tracing.risksFor(
    trx,
    managed.map((d) => [d.interaction_id, d.case_id] as const),
  );
  const byStaff = new Map<string, Omit<ExposureRiskEvent, 'seq'>[]>();
  for (const d of managed) {
    const staffId = managers.get(d.case_id)!;
    const list = byStaff.get(staffId) ?? [];
    list.push({
      type: 'exposure_risk',
      case_id: d.case_id,
      contact_user_id: d.exposed_user_id,
      exposure_risk_id: risks.get(`${d.interaction_id}|${d.case_id}`)?.id ?? '',
      interaction_id: d.interaction_id,
      risk_level: d.risk_level,
      weighted_minutes: d.weighted_minutes,
      exposure_date: d.exposure_date,
      contact_kind: d.contact_kind,
      tier: tiers.get(personDay(d.exposed_user_id, d.exposure_date)) ?? 'low',
      updated_at: new Date(now).toISOString(),
    });
    byStaff.set(staffId, list);
  }
  const out: Array<{ staffId: string; event: ExposureRiskEvent }> = [];
  for (const [staffId, events] of byStaff) {
    const seqs = await tracing.insertStaffEvents(trx, staffId, events, now);
    for (const [i, event] of events.entries()) out.push({ staffId, event: { ...event, seq: seqs[i]! } });
  }
  return out;
}
