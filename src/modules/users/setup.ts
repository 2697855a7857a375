import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { FieldCipher } from '../../platform/crypto/field-cipher.js';
import type { AccessService } from '../access/service.js';
import { UsersRepository } from './repository.js';
import { usersRoutes } from './routes.js';
import { UsersService } from './service.js';

/** App accounts: registration, tokens, personal data (encrypted) and erasure. */
export function setupUsers(
  { db, bus, config, log }: ModuleContext,
  deps: { readonly cipher: FieldCipher; readonly access: AccessService },
) {
  const repository = new UsersRepository(db);
  const users = new UsersService(repository, deps.cipher, deps.access, bus, log);
  const authRateLimit = { max: config.authRateLimitMax, windowMs: config.rateLimitWindowMs };
  return {
    users,
    /** Whether an account exists, for the modules that only need that. */
    directory: repository,
    routes: (app) => app.register(usersRoutes, { users, authRateLimit }),
  } satisfies ModuleParts & Record<string, unknown>;
}
