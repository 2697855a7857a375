import type { ModuleContext } from '../../platform/app/module.js';
import { AuditRepository } from './repository.js';
import { AuditService } from './service.js';

/** The audit log of staff reads and changes of personal data. */
export function setupAudit({ db }: ModuleContext) {
  return { audit: new AuditService(new AuditRepository(db)) };
}
