import { Value } from '@sinclair/typebox/value';
import type { Config } from '../../config/index.js';
import { CreateStaffBody, type StaffMember } from '../../contracts/staff.js';
import { resolveSecrets } from '../../platform/crypto/secrets.js';
import { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import { openConfiguredDatabase } from '../../platform/db/configured.js';
import { migrateToLatest } from '../../platform/db/migrate.js';
import { StaffRepository } from './repository.js';
import { StaffService } from './service.js';

/** An option of `admin create-staff` that is missing or not valid; the message names it. */
export class StaffInputError extends Error {}

/** Creates a staff account outside HTTP (`epitrace admin create-staff`, the demo): the same checks as POST /staff. */
export async function createStaff(
  config: Config,
  input: { role?: string; username?: string; password?: string },
): Promise<StaffMember> {
  const body = { role: input.role, username: input.username, password: input.password };
  if (!Value.Check(CreateStaffBody, body)) {
    const first = [...Value.Errors(CreateStaffBody, body)][0];
    const field = first?.path.replace(/^\//, '') || 'input';
    throw new StaffInputError(
      `--${field}: ${first?.message ?? 'invalid'} (role: health_professional | authority | admin | lab; ` +
        'username: 3-64 of a-z 0-9 . _ -; password: at least 12 characters)',
    );
  }
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database);
    const { tokenSecret } = resolveSecrets(config);
    const tokens = new StaffTokens(tokenSecret, config.staffTokenTtlSeconds);
    return await new StaffService(new StaffRepository(database.db), tokens).create(body);
  } finally {
    await database.close();
  }
}
