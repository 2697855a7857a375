import type { KyselyPlugin, RootOperationNode } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Observation } from '../../src/contracts/interactions.js';
import { presenceRowsOf, toRow, type IngestRules } from '../../src/modules/interactions/model.js';
import {
  InteractionOwnershipConflict,
  InteractionsRepository,
  type StoredUpload,
  type Upload,
} from '../../src/modules/interactions/repository.js';
import { locationObservation, registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

const rulesOf = (t: TestApp): IngestRules => ({
  h3Resolution: t.config.h3Resolution,
  timeBucketMinutes: t.config.timeBucketMinutes,
  retentionDays: t.config.retentionDays,
  maxClockSkewMs: 60_000,
  maxDurationMs: 86_400_000,
});

const idsOf = (rows: ReadonlyArray<{ id: string }>) => rows.map((r) => r.id).sort();

describe.each(testDialects())('uploads written together (group commit) on %s', (dialect) => {
  let t: TestApp;
  let a: AppUser;
  let b: AppUser;
  let c: AppUser;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
    [a, b, c] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await t.close();
  });

  const upload = (user: AppUser, observations: Observation[]): Upload => ({
    userId: user.id,
    rows: observations.map((o) => toRow(o, user.id, rulesOf(t), Date.now())),
  });
  const presenceOf = (t: TestApp) =>
    t.database.db.selectFrom('presence_index').select('interaction_id').distinct().execute();

  it('one transaction stores each upload on its own terms: a reused id refuses only its upload, a retry in the batch is a duplicate', async () => {
    const repository = new InteractionsRepository(t.database.db);
    const [a1, a2, b1, c0, c1] = Array.from({ length: 5 }, () => locationObservation() as Observation);
    const index = (row: Parameters<typeof presenceRowsOf>[0]) => presenceRowsOf(row, t.config.timeBucketMinutes);
    // c0 was stored by an earlier upload.
    await repository.insertUploads([upload(c, [c0!])], index, async () => 'earlier');

    const seen: Array<Array<{ userId: string; createdIds: string[] }>> = [];
    const { results, committed } = await repository.insertUploads(
      [upload(a, [a1!, a2!]), upload(b, [b1!, a1!]), upload(a, [a2!, a1!]), upload(c, [c0!, c1!])],
      index,
      async (_trx, created) => {
        seen.push(created.map((x) => ({ userId: x.userId, createdIds: [...x.createdIds] })));
        return 'jobs written';
      },
    );

    const [first, refused, retry, withOld] = results;
    expect((first as StoredUpload).stored.map((r) => r.id)).toEqual([a1!.id, a2!.id]);
    expect((first as StoredUpload).createdIds).toEqual([a1!.id, a2!.id]);
    expect(refused).toBeInstanceOf(InteractionOwnershipConflict);
    expect((refused as InteractionOwnershipConflict).ids).toEqual([a1!.id]);
    expect((retry as StoredUpload).stored.map((r) => [r.id, r.user_id])).toEqual([
      [a2!.id, a.id],
      [a1!.id, a.id],
    ]);
    expect((retry as StoredUpload).createdIds).toEqual([]);
    expect((withOld as StoredUpload).stored.map((r) => r.id)).toEqual([c0!.id, c1!.id]);
    expect((withOld as StoredUpload).createdIds).toEqual([c1!.id]);
    expect(seen).toEqual([
      [
        { userId: a.id, createdIds: [a1!.id, a2!.id] },
        { userId: c.id, createdIds: [c1!.id] },
      ],
    ]);
    expect(committed).toEqual(['jobs written']);

    // Nothing of the refused upload, not even its own new id; every stored stay is in the presence index.
    const stored = await t.database.db.selectFrom('interactions').select(['id', 'user_id']).execute();
    expect(idsOf(stored)).toEqual([a1!.id, a2!.id, c0!.id, c1!.id].sort());
    expect(idsOf((await presenceOf(t)).map((p) => ({ id: p.interaction_id })))).toEqual(
      [a1!.id, a2!.id, c0!.id, c1!.id].sort(),
    );
  });

  it('a batch where every upload is already stored or refused writes no job', async () => {
    const repository = new InteractionsRepository(t.database.db);
    const a1 = locationObservation() as Observation;
    const index = (row: Parameters<typeof presenceRowsOf>[0]) => presenceRowsOf(row, t.config.timeBucketMinutes);
    await repository.insertUploads([upload(a, [a1])], index, async () => 1);
    const { results, committed } = await repository.insertUploads(
      [upload(a, [a1]), upload(b, [a1])],
      index,
      async () => {
        throw new Error('afterInsert must not run: nothing was created');
      },
    );
    expect((results[0] as StoredUpload).createdIds).toEqual([]);
    expect(results[1]).toBeInstanceOf(InteractionOwnershipConflict);
    expect(committed).toEqual([]);
  });

  it('concurrent uploads over HTTP share transactions, and each is answered, indexed and matched as if alone', async () => {
    const batchSizes: number[] = [];
    const insertUploads = InteractionsRepository.prototype.insertUploads;
    vi.spyOn(InteractionsRepository.prototype, 'insertUploads').mockImplementation(function (
      this: InteractionsRepository,
      ...args
    ) {
      batchSizes.push(args[0].length);
      return insertUploads.apply(this, args) as ReturnType<typeof insertUploads>;
    });
    const users = await Promise.all(Array.from({ length: 12 }, () => registerUser(t.app)));
    const shared = locationObservation();
    const bodies = users.map((user) => ({ user, interactions: [locationObservation(), locationObservation()] }));
    // Two users claim the same new id at once: exactly one of them gets it.
    bodies[3]!.interactions.push(shared);
    bodies[8]!.interactions.push(shared);
    const responses = await Promise.all(
      bodies.map(({ user, interactions }) =>
        t.app.inject({ method: 'POST', url: '/interactions', headers: user.auth, payload: { interactions } }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(11);
    expect(statuses.filter((s) => s === 409)).toHaveLength(1);
    expect([statuses[3], statuses[8]].sort()).toEqual([200, 409]);
    for (const [i, response] of responses.entries()) {
      if (response.statusCode !== 200) continue;
      const body = response.json<{
        interactions: Array<{ id: string; user_id: string }>;
        created: number;
        duplicates: number;
      }>();
      expect(body.interactions.map((x) => x.id)).toEqual(bodies[i]!.interactions.map((o) => o.id));
      expect(new Set(body.interactions.map((x) => x.user_id))).toEqual(new Set([users[i]!.id]));
      expect(body).toMatchObject({ created: bodies[i]!.interactions.length, duplicates: 0 });
    }
    expect(batchSizes.reduce((s, n) => s + n, 0)).toBe(12);
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);

    const expected = bodies
      .flatMap(({ interactions }, i) => (statuses[i] === 200 ? interactions.map((o) => o.id) : []))
      .sort();
    expect(idsOf(await t.database.db.selectFrom('interactions').select('id').execute())).toEqual(expected);
    expect(idsOf((await presenceOf(t)).map((p) => ({ id: p.interaction_id })))).toEqual(expected);
    // Every accepted upload's match job ran and was removed.
    await t.app.traceWorker.idle();
    expect(await t.database.db.selectFrom('trace_jobs').select('id').execute()).toEqual([]);
    expect(t.app.traceWorker.jobsCompleted).toBe(11);
  });
});

/** Runs `sideEffect` once, right after the first look-up of interactions by id comes back. */
function afterFirstLookup(sideEffect: () => Promise<void>): KyselyPlugin {
  const lookups = new Set<unknown>();
  let done = false;
  return {
    transformQuery(args) {
      const node = args.node as RootOperationNode & {
        kind: string;
        from?: { froms: Array<{ table?: { identifier?: { name?: string } } }> };
      };
      if (node.kind === 'SelectQueryNode' && node.from?.froms[0]?.table?.identifier?.name === 'interactions')
        lookups.add(args.queryId);
      return args.node;
    },
    async transformResult(args) {
      if (!done && lookups.has(args.queryId)) {
        done = true;
        await sideEffect();
      }
      return args.result;
    },
  };
}

// Another server process committing the same id between a batch's look-up and its insert needs a second connection:
// PostgreSQL's pool has one; the SQLite handle is a single connection (two SQLite processes serialise their writes).
describe.each(testDialects().filter((d) => d === 'postgres'))(
  'an upload that loses a race to another process on %s',
  (dialect) => {
    let t: TestApp;
    beforeEach(async () => {
      t = await buildTestApp(dialect);
    });
    afterEach(async () => {
      await t.close();
    });

    it('is refused alone; the rest of its batch is stored', async () => {
      const [a, b, other] = await Promise.all([registerUser(t.app), registerUser(t.app), registerUser(t.app)]);
      const rules = rulesOf(t);
      const now = Date.now();
      const contested = locationObservation() as Observation;
      const mine = locationObservation() as Observation;
      const theirs = locationObservation() as Observation;
      const index = (row: Parameters<typeof presenceRowsOf>[0]) => presenceRowsOf(row, t.config.timeBucketMinutes);
      const racer = afterFirstLookup(async () => {
        await t.database.db
          .insertInto('interactions')
          .values(toRow(contested, other.id, rules, now))
          .execute();
      });
      const repository = new InteractionsRepository(t.database.db.withPlugin(racer));
      const afterInserts: string[][] = [];
      const { results, committed } = await repository.insertUploads(
        [
          { userId: a.id, rows: [toRow(mine, a.id, rules, now), toRow(contested, a.id, rules, now)] },
          { userId: b.id, rows: [toRow(theirs, b.id, rules, now)] },
        ],
        index,
        async (_trx, created) => {
          afterInserts.push(created.map((x) => x.userId));
          return created.map((x) => x.userId).join();
        },
      );
      expect(results[0]).toBeInstanceOf(InteractionOwnershipConflict);
      expect((results[0] as InteractionOwnershipConflict).ids).toEqual([contested.id]);
      expect((results[1] as StoredUpload).createdIds).toEqual([theirs.id]);
      // The batch's transaction rolled back before writing jobs; a's upload, then b's, were retried alone.
      expect(afterInserts).toEqual([[b.id]]);
      expect(committed).toEqual([b.id]);
      const stored = await t.database.db.selectFrom('interactions').select(['id', 'user_id']).orderBy('id').execute();
      expect(stored).toEqual(
        [
          { id: contested.id, user_id: other.id },
          { id: theirs.id, user_id: b.id },
        ].sort((x, y) => x.id.localeCompare(y.id)),
      );
    });
  },
);
