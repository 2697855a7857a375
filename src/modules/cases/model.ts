import type { Case, CaseStatus } from '../../contracts/cases.js';
import type { Row } from '../../platform/db/tables.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Where a case is in its life, from its stored status, report type and hold. */
export function caseStatusOf(row: Pick<Row<'cases'>, 'status' | 'report_type' | 'held_at'>): CaseStatus {
  if (row.status === 'closed' || row.status === 'revoked') return row.status;
  if (row.held_at !== null) return 'held';
  return row.report_type === 'self_reported' ? 'self_reported' : 'confirmed';
}

/** A case as the API shows it. */
export function presentCase(row: Row<'cases'>): Case {
  return {
    id: row.id,
    user_id: row.user_id,
    report_type: row.report_type,
    status: caseStatusOf(row),
    test_date: row.test_date,
    onset_date: row.onset_date,
    report_date: row.report_date,
    managed_by: row.managed_by,
    created_at: new Date(row.created_at).toISOString(),
    confirmed_at: iso(row.confirmed_at),
    closed_at: iso(row.closed_at),
    revoked_at: iso(row.revoked_at),
    revoked_reason: row.revoked_reason,
  };
}
