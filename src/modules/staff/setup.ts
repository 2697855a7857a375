import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import type { AuditService } from '../audit/service.js';
import { StaffRepository } from './repository.js';
import { staffRoutes } from './routes.js';
import { StaffService } from './service.js';
import { StaffSessionsRepository } from './sessions-repository.js';
import { staffSessionsRoutes } from './sessions-routes.js';
import { StaffSessionsService } from './sessions-service.js';

/** Staff accounts (health professionals, authorities, admins), their sign-in and their sessions. */
export function setupStaff(
  { db, config }: ModuleContext,
  deps: { readonly staffTokens: StaffTokens; readonly audit: AuditService },
) {
  const staff = new StaffService(new StaffRepository(db), deps.staffTokens);
  const sessions = new StaffSessionsService(new StaffSessionsRepository(db), staff, deps.staffTokens, deps.audit, {
    idleMinutes: config.staffSessionIdleMinutes,
    maxHours: config.staffSessionMaxHours,
  });
  const authRateLimit = { max: config.authRateLimitMax, windowMs: config.rateLimitWindowMs };
  return {
    staff,
    routes: async (app) => {
      await app.register(staffRoutes, { staff, sessions, authRateLimit });
      await app.register(staffSessionsRoutes, { sessions, authRateLimit });
    },
  } satisfies ModuleParts & Record<string, unknown>;
}
