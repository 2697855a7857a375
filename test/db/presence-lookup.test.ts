import { gridDisk, latLngToCell } from 'h3-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boxAround, timeBucket, type PresenceProbe } from '../../src/modules/tracing/matching.js';
import { TracingRepository } from '../../src/modules/tracing/repository.js';
import { registerUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';
import { uploadStay } from '../helpers/tracing-fixtures.js';

const now = Date.now();
const from = now - 60 * 60_000;
const to = now - 10 * 60_000;
const PLACES = [
  { lat: 48.8566, lng: 2.3522 },
  { lat: 48.87, lng: 2.3 },
  { lat: 48.84, lng: 2.4 },
];

/** A lookup of many probes (split into parts run at once on PostgreSQL) finds what each of its probes finds. */
describe.each(testDialects())('presence lookup with many probes on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  it('finds the stays of probes at the start, the middle and the end of 451 probes', async () => {
    const people = await Promise.all(PLACES.map(() => registerUser(t.app)));
    const ids: string[] = [];
    for (const [i, person] of people.entries()) ids.push(...(await uploadStay(t, person, from, to, PLACES[i])).interactionIds);
    const probe = (place: string, box: PresenceProbe['box']): PresenceProbe => ({ place, firstBucket: timeBucket(from, 60), lastBucket: timeBucket(to - 1, 60), fromMs: from, toMs: to, box });
    const real = PLACES.map((p) => probe(latLngToCell(p.lat, p.lng, 10), boxAround([p], 10)));
    // Empty cells far from everyone, around a point in the Atlantic.
    const empty = gridDisk(latLngToCell(40, -30, 10), 12).slice(0, 448).map((cell) => probe(cell, null));
    const probes = [real[0]!, ...empty.slice(0, 224), real[1]!, ...empty.slice(224), real[2]!];
    expect(probes).toHaveLength(451);

    const found = await new TracingRepository(t.database.db).presentDuring(probes, { maxDurationMs: 24 * 3_600_000 });
    expect(found.map((r) => r.interactionId).sort()).toEqual([...ids].sort());
    const mine = await new TracingRepository(t.database.db).presentDuring(probes, { maxDurationMs: 24 * 3_600_000, onlyUsers: [people[1]!.id] });
    expect(mine.map((r) => r.interactionId)).toEqual([ids[1]]);
  });
});
