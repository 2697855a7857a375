import { Value } from '@sinclair/typebox/value';
import { CreateStaffBody } from '../contracts/staff.js';
import { openConfiguredDatabase } from '../app.js';
import type { Config } from '../config/index.js';
import { resolveSecrets } from '../platform/crypto/secrets.js';
import { StaffTokens } from '../platform/crypto/staff-tokens.js';
import { migrateToLatest } from '../platform/db/migrate.js';
import { StaffRepository } from '../modules/staff/repository.js';
import { StaffService } from '../modules/staff/service.js';
import type { StaffMember } from '../contracts/staff.js';

export class UsageError extends Error {}

/** `epitrace admin create-staff`: the same validation and service as POST /staff. */
export async function createStaff(config: Config, input: { role?: string; username?: string; password?: string }): Promise<StaffMember> {
  const body = { role: input.role, username: input.username, password: input.password };
  if (!Value.Check(CreateStaffBody, body)) {
    const first = [...Value.Errors(CreateStaffBody, body)][0];
    const field = first?.path.replace(/^\//, '') || 'input';
    throw new UsageError(`--${field}: ${first?.message ?? 'invalid'} (role: health_professional | authority | admin; username: 3-64 of a-z 0-9 . _ -; password: at least 12 characters)`);
  }
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database);
    const { tokenSecret } = resolveSecrets(config);
    const service = new StaffService(new StaffRepository(database.db), new StaffTokens(tokenSecret, config.staffTokenTtlSeconds));
    return await service.create(body);
  } finally {
    await database.close();
  }
}
