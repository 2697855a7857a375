import { gridDisk, latLngToCell } from 'h3-js';
import { CompiledQuery, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { boxAround, timeBucket, type PresenceProbe } from '../../src/modules/tracing/matching.js';
import { presenceLookup, PresenceRepository } from '../../src/modules/tracing/repositories/presence-repository.js';
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
    for (const [i, person] of people.entries())
      ids.push(...(await uploadStay(t, person, from, to, PLACES[i])).interactionIds);
    const probe = (place: string, box: PresenceProbe['box']): PresenceProbe => ({
      place,
      firstBucket: timeBucket(from, 60),
      lastBucket: timeBucket(to - 1, 60),
      fromMs: from,
      toMs: to,
      box,
    });
    const real = PLACES.map((p) => probe(latLngToCell(p.lat, p.lng, 10), boxAround([p], 10)));
    // Empty cells far from everyone, around a point in the Atlantic.
    const empty = gridDisk(latLngToCell(40, -30, 10), 12)
      .slice(0, 448)
      .map((cell) => probe(cell, null));
    const probes = [real[0]!, ...empty.slice(0, 224), real[1]!, ...empty.slice(224), real[2]!];
    expect(probes).toHaveLength(451);

    const found = await new PresenceRepository(t.database.db).presentDuring(probes, { maxDurationMs: 24 * 3_600_000 });
    expect(found.map((r) => r.interactionId).sort()).toEqual([...ids].sort());
    const mine = await new PresenceRepository(t.database.db).presentDuring(probes, {
      maxDurationMs: 24 * 3_600_000,
      onlyUsers: [people[1]!.id],
    });
    expect(mine.map((r) => r.interactionId)).toEqual([ids[1]]);
  });

  it("reads only the index: a probe never visits the table's rows", async () => {
    const people = await Promise.all(PLACES.map(() => registerUser(t.app)));
    for (const [i, person] of people.entries()) await uploadStay(t, person, from, to, PLACES[i]);
    const probes = PLACES.map(
      (p): PresenceProbe => ({
        place: latLngToCell(p.lat, p.lng, 10),
        firstBucket: timeBucket(from, 60),
        lastBucket: timeBucket(to - 1, 60),
        fromMs: from,
        toMs: to,
        box: boxAround([p], 10),
      }),
    );
    const db = t.database.db;
    const statement = presenceLookup(dialect === 'postgres', probes, {
      maxDurationMs: 24 * 3_600_000,
      excludeUserId: people[0]!.id,
    }).compile(db);
    if (dialect === 'sqlite') {
      // The table is clustered on its key (WITHOUT ROWID): a search of the primary key is the whole read.
      const plan = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${statement.sql}`, [...statement.parameters]),
      );
      const onIndex = plan.rows.filter((r) => / p /.test(`${r.detail} `) || r.detail.includes('presence_index'));
      expect(onIndex.map((r) => r.detail)).toEqual([
        expect.stringMatching(/^SEARCH p USING PRIMARY KEY \(place=\? AND bucket>\? AND bucket<\?\)$/),
      ]);
      return;
    }
    // Autovacuum marks the pages of an insert-only table all-visible; here it is done at once.
    await sql`vacuum analyze presence_index`.execute(db);
    const plan = await db.connection().execute(async (connection) => {
      // A three-row table is cheaper to read whole: the planner is told to use the index, as at real sizes.
      await sql`set enable_seqscan = off`.execute(connection);
      await sql`set enable_bitmapscan = off`.execute(connection);
      const result = await connection.executeQuery<{ 'QUERY PLAN': unknown }>(
        CompiledQuery.raw(`explain (analyze, format json) ${statement.sql}`, [...statement.parameters]),
      );
      await sql`reset enable_seqscan`.execute(connection);
      await sql`reset enable_bitmapscan`.execute(connection);
      return result.rows[0]!['QUERY PLAN'];
    });
    const scans: Array<{ type: string; relation: string; heapFetches: number; rows: number }> = [];
    const walk = (node: Record<string, unknown>) => {
      if (typeof node['Relation Name'] === 'string' && String(node['Relation Name']).startsWith('presence_index')) {
        scans.push({
          type: String(node['Node Type']),
          relation: String(node['Relation Name']),
          heapFetches: Number(node['Heap Fetches'] ?? NaN),
          rows: Number(node['Actual Rows']),
        });
      }
      for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
    expect(scans.length).toBeGreaterThan(0);
    expect(scans.map((s) => s.type)).toEqual(scans.map(() => 'Index Only Scan'));
    expect(scans.reduce((sum, s) => sum + s.heapFetches, 0)).toBe(0);
    expect(scans.reduce((sum, s) => sum + s.rows, 0)).toBeGreaterThan(0); // the other two people's stays were read
  });
});
