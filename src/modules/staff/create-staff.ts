import { Value } from '@sinclair/typebox/value';
import type { Config } from '../../config/index.js';
import { Password, StaffRole, Username, type CreateStaffBody, type StaffMember } from '../../contracts/staff.js';
import { resolveSecrets } from '../../platform/crypto/secrets.js';
import { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import { openConfiguredDatabase } from '../../platform/db/configured.js';
import { migrateToLatest } from '../../platform/db/migrate.js';
import { StaffRepository } from './repository.js';
import { StaffService } from './service.js';

/** An option of `admin create-staff` that is missing or not valid; the message names it. */
export class StaffInputError extends Error {}

/** The roles a staff account can have, in the order the API document lists them. */
export const STAFF_ROLES: readonly CreateStaffBody['role'][] = StaffRole.anyOf.map((literal) => literal.const);

/** What is wrong with one field of a new staff account, in words that name the option; undefined when it is fine. */
export function staffInputProblem(field: keyof CreateStaffBody, value: unknown): string | undefined {
  const missing = value === undefined || value === '';
  switch (field) {
    case 'role':
      if (Value.Check(StaffRole, value)) return undefined;
      return `--role ${missing ? 'is required: one of' : `"${String(value)}" is not one of`} ${STAFF_ROLES.join(', ')}`;
    case 'username':
      if (Value.Check(Username, value)) return undefined;
      return `--username ${missing ? 'is required: ' : 'must be '}3 to 64 characters of a-z 0-9 . _ -, starting with a letter or digit`;
    case 'password':
      if (Value.Check(Password, value)) return undefined;
      return missing ? 'the password is missing' : 'the password must be at least 12 characters (and at most 256)';
  }
}

/** Creates a staff account outside HTTP (`epitrace admin create-staff`, the demo): the same checks as POST /staff. */
export async function createStaff(
  config: Config,
  input: { role?: string; username?: string; password?: string },
): Promise<StaffMember> {
  const body = { role: input.role, username: input.username, password: input.password };
  for (const field of ['role', 'username', 'password'] as const) {
    const problem = staffInputProblem(field, body[field]);
    if (problem !== undefined) throw new StaffInputError(problem);
  }
  const database = openConfiguredDatabase(config);
  try {
    await migrateToLatest(database);
    const { tokenSecret } = resolveSecrets(config);
    const tokens = new StaffTokens(tokenSecret, config.staffTokenTtlSeconds);
    return await new StaffService(new StaffRepository(database.db), tokens).create(body as CreateStaffBody);
  } finally {
    await database.close();
  }
}
