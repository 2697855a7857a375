import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';
import type { ExposureRiskDraft } from './matching.js';
import { personDay } from './person-day.js';
import type { TracingRepository } from './repository.js';

/** The bus channel of a case manager's live stream. */
export const staffChannel = (staffId: string) => `staff:${staffId}`;

/** The event a case manager's live stream receives for each new or updated exposure risk. */
export interface ExposureRiskEvent {
  readonly type: 'exposure_risk';
  /** Position in the case manager's stream (the SSE event id). */
  readonly seq: number;
  readonly case_id: string;
  readonly contact_user_id: string;
  readonly exposure_risk_id: string;
  readonly interaction_id: string;
  readonly risk_level: number;
  readonly weighted_minutes: number;
  readonly exposure_date: string;
  readonly contact_kind: string;
  readonly tier: string;
  readonly updated_at: string;
}

/** The event a case manager's live stream receives when one of their cases is corrected, closed or revoked. */
export interface CaseChangedEvent {
  readonly type: 'case_changed';
  /** Position in the case manager's stream (the SSE event id). */
  readonly seq: number;
  readonly case_id: string;
  readonly change: 'corrected' | 'closed' | 'revoked';
  /** The case's life-cycle status after the change. */
  readonly status: string;
  /** Why: the revocation reason, or the reason a professional gave for a correction or closure. */
  readonly reason: string | null;
  /** Exposure risks the change removed (a revocation), and the people they exposed. */
  readonly risks_removed: number;
  readonly contacts_affected: number;
  readonly changed_at: string;
}

/** Any event of a case manager's stream. */
export type StaffEvent = ExposureRiskEvent | CaseChangedEvent;

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
