/**
 * Facts other parts of the system react to (analytics, zones), published on the bus after the change that
 * caused them has committed. Every process receives every event, so subscribers must be idempotent: they
 * recompute what an event touches from the database rather than count events.
 */
export const DOMAIN_EVENTS_CHANNEL = 'domain-events';

/**
 * A case was revoked (it no longer counts anywhere: its risks are gone) or its dates were corrected: the days it
 * counted on before and after must be recomputed.
 */
export interface CaseRecountEvent<T extends 'case.revoked' | 'case.corrected'> {
  readonly type: T;
  readonly case_id: string;
  readonly user_id: string;
  /** Report and onset dates the case counted on, before and after the change. */
  readonly case_dates: readonly string[];
  readonly at: string;
}

export type DomainEvent =
  | {
      readonly type: 'case.reported';
      readonly case_id: string;
      readonly user_id: string;
      readonly report_type: string;
      readonly onset_date: string | null;
      readonly report_date: string | null;
      /** false when an existing active case was upgraded. */
      readonly created: boolean;
      readonly at: string;
    }
  | {
      readonly type: 'risks.written';
      /** The cases whose risks were written (a trace, or a late upload matched against them). */
      readonly case_ids: readonly string[];
      readonly contacts: number;
      readonly notifications: ReadonlyArray<{
        readonly user_id: string;
        readonly tier: string;
        readonly exposure_date: string;
      }>;
      readonly at: string;
    }
  | {
      /** A person erased their account: the days their case and notifications counted on must be recomputed. */
      readonly type: 'person.erased';
      /** Report and onset dates of the person's cases (none: they were no case). */
      readonly case_dates: readonly string[];
      /** When the person's notifications (medium and high) were written, epoch ms. */
      readonly notified_at: readonly number[];
      readonly at: string;
    }
  | CaseRecountEvent<'case.revoked'>
  | CaseRecountEvent<'case.corrected'>
  | {
      readonly type: 'cases.imported';
      /** Report dates the import added or changed cases on. */
      readonly first_report_date: string;
      readonly last_report_date: string;
      readonly count: number;
      readonly at: string;
    };

export function isDomainEvent(payload: unknown): payload is DomainEvent {
  const type = (payload as { type?: unknown } | null)?.type;
  return (
    type === 'case.reported' ||
    type === 'case.revoked' ||
    type === 'case.corrected' ||
    type === 'risks.written' ||
    type === 'cases.imported' ||
    type === 'person.erased'
  );
}
