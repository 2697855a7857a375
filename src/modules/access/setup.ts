import type { AuditService } from '../audit/service.js';
import { AccessService, type CaseManagementFacts } from './service.js';

/** The access policy for a person's data, audited. */
export function setupAccess(deps: { readonly cases: CaseManagementFacts; readonly audit: AuditService }) {
  return { access: new AccessService(deps.cases, deps.audit) };
}
