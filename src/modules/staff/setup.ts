import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import { StaffRepository } from './repository.js';
import { staffRoutes } from './routes.js';
import { StaffService } from './service.js';

/** Staff accounts (health professionals, authorities, admins) and their sign-in. */
export function setupStaff({ db, config }: ModuleContext, deps: { readonly staffTokens: StaffTokens }) {
  const staff = new StaffService(new StaffRepository(db), deps.staffTokens);
  const authRateLimit = { max: config.authRateLimitMax, windowMs: config.rateLimitWindowMs };
  return {
    staff,
    routes: (app) => app.register(staffRoutes, { staff, authRateLimit }),
  } satisfies ModuleParts & Record<string, unknown>;
}
