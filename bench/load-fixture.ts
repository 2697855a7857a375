/**
 * Load test fixture: the phones' accounts, written straight to the database (100,000 registrations over HTTP would
 * take longer than the test itself; registration is not what is measured), plus a health professional who logs in
 * over HTTP. Every measured request goes over HTTP.
 */
import { randomUUID } from 'node:crypto';
import { createStaff } from '../src/modules/staff/create-staff.js';
import { openConfiguredDatabase } from '../src/platform/db/configured.js';
import { loadConfig } from '../src/config/index.js';
import { hashAppToken, newAppToken } from '../src/platform/crypto/app-tokens.js';
import { migrateToLatest } from '../src/platform/db/migrate.js';

export interface LoadFixture {
  readonly tokens: string[];
  readonly userIds: string[];
  readonly professional: { username: string; password: string };
}

export async function createLoadFixture(env: Record<string, string>, phones: number): Promise<LoadFixture> {
  const config = loadConfig({ ...env });
  const database = openConfiguredDatabase(config);
  const tokens: string[] = [];
  const userIds: string[] = [];
  try {
    await migrateToLatest(database);
    const now = Date.now();
    for (let i = 0; i < phones; i += 500) {
      const users: { id: string; name: null; contact_info: null; created_at: number }[] = [];
      const deviceTokens: { token_hash: string; user_id: string; created_at: number }[] = [];
      for (let j = i; j < Math.min(phones, i + 500); j++) {
        const id = randomUUID();
        const token = newAppToken();
        tokens.push(token);
        userIds.push(id);
        users.push({ id, name: null, contact_info: null, created_at: now });
        deviceTokens.push({ token_hash: hashAppToken(token), user_id: id, created_at: now });
      }
      await database.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(users).execute();
        await trx.insertInto('device_tokens').values(deviceTokens).execute();
      });
    }
  } finally {
    await database.close();
  }
  const professional = { username: `load.nurse.${Date.now().toString(36)}`, password: `load test ${randomUUID()}` };
  await createStaff(config, { role: 'health_professional', ...professional });
  return { tokens, userIds, professional };
}
