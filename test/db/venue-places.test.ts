import { Migrator } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/platform/db/migrate.js';
import { migrationProvider } from '../../src/platform/db/migrations/index.js';
import { checkinObservation, registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

describe.each(testDialects())('check-ins indexed by venue code whatever its case, on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const placesOf = async (interactionId: string) =>
    (
      await t.database.db
        .selectFrom('presence_index')
        .select('place')
        .where('interaction_id', '=', interactionId)
        .execute()
    ).map((r) => r.place);

  it('a code typed in lower case is indexed under the upper-case code; migration 0012 brings older rows in line and back', async () => {
    const user = await registerUser(t.app);
    const observation = checkinObservation({ venue_id: '7k3qx9m2pa' });
    const response = await t.app.inject({
      method: 'POST',
      url: '/interactions',
      headers: user.auth,
      payload: { interactions: [observation] },
    });
    expect(response.statusCode, response.body).toBe(200);
    // The check-in keeps the code as uploaded; its presence rows (what tracing matches on) carry the one place.
    expect(response.json<{ interactions: { venue_id: string }[] }>().interactions[0]!.venue_id).toBe('7k3qx9m2pa');
    const places = await placesOf(observation.id);
    expect(places.length).toBeGreaterThan(0);
    expect(new Set(places)).toEqual(new Set(['venue:7K3QX9M2PA']));

    const migrator = new Migrator({
      db: t.database.db,
      provider: migrationProvider,
      ...(t.database.schema === undefined ? {} : { migrationTableSchema: t.database.schema }),
    });
    const down = await migrator.migrateTo('0011_presence_covering_key');
    expect(down.error).toBeUndefined();
    expect(new Set(await placesOf(observation.id))).toEqual(new Set(['venue:7k3qx9m2pa']));
    // 0012 first, then the migrations after it (the later ones go down and up with it).
    expect((await migrateToLatest(t.database))[0]).toBe('0012_venue_places_case_insensitive');
    expect(new Set(await placesOf(observation.id))).toEqual(new Set(['venue:7K3QX9M2PA']));
  });
});
