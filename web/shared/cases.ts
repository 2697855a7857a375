import type { Case, CaseStatus, RevokeReason } from '../sdk/index.js';

/** How a case's status, report type and revocation reason read on screen, for staff and residents alike. */
export const STATUS_LABEL: Record<CaseStatus, string> = {
  self_reported: 'Self-reported, not confirmed',
  held: 'Self-reported, held: contacts not told until confirmed',
  confirmed: 'Confirmed',
  closed: 'Closed',
  revoked: 'Revoked',
};

export const REPORT_TYPE_LABEL: Record<Case['report_type'], string> = {
  confirmed_test: 'Positive test',
  clinical_diagnosis: 'Clinical diagnosis',
  self_reported: 'Symptoms reported by the person',
};

export const REVOKE_REASON_LABEL: Record<RevokeReason, string> = {
  negative_test: 'Tested negative',
  entered_in_error: 'Entered in error',
};

/** A case that is still open: its contacts count, and it can be corrected, closed or revoked. */
export function isOpen(c: Case): boolean {
  return c.status === 'self_reported' || c.status === 'held' || c.status === 'confirmed';
}
