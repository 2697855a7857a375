import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  PROXIMITY_TOKEN_INTERVAL_MS,
  deriveToken,
  deriveTokenKey,
  intervalOf,
  intervalStart,
} from '../../src/modules/proximity-tokens/model.js';
import { ProximityTokensRepository } from '../../src/modules/proximity-tokens/repository.js';
import { ProximityTokensService } from '../../src/modules/proximity-tokens/service.js';
import { createStaff, expectProblem, registerUser, type AppUser } from '../helpers/actors.js';
import { testDialects } from '../helpers/dialects.js';
import { buildTestApp, type TestApp } from '../helpers/test-app.js';

interface TokenList {
  interval_minutes: number;
  tokens: Array<{ token: string; valid_from: string; valid_to: string }>;
}

const INTERVAL = PROXIMITY_TOKEN_INTERVAL_MS;
const DAY = 86_400_000;

describe.each(testDialects())('proximity tokens on %s', (dialect) => {
  let t: TestApp;
  beforeEach(async () => {
    t = await buildTestApp(dialect);
  });
  afterEach(async () => {
    await t.close();
  });

  const fetchTokens = (user: AppUser, query = '') =>
    t.app.inject({ method: 'GET', url: `/proximity_tokens${query}`, headers: user.auth });
  const storedFor = (userId: string) =>
    t.database.db
      .selectFrom('proximity_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('valid_from')
      .execute();
  const storedCount = async () =>
    Number(
      (
        await t.database.db
          .selectFrom('proximity_tokens')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** A service sharing the app's database and secret, with its own clock. */
  const serviceAt = (now: number) =>
    new ProximityTokensService(new ProximityTokensRepository(t.database.db), t.config.tokenSecret!, { now: () => now });

  it('returns 96 consecutive 15-minute tokens starting at the current interval, and stores them', async () => {
    const user = await registerUser(t.app);
    const before = Date.now();
    const response = await fetchTokens(user);
    const after = Date.now();
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json<TokenList>();
    expect(body.interval_minutes).toBe(15);
    expect(body.tokens).toHaveLength(96);

    const first = Date.parse(body.tokens[0]!.valid_from);
    // The request may straddle an interval boundary.
    expect([intervalStart(intervalOf(before)), intervalStart(intervalOf(after))]).toContain(first);
    body.tokens.forEach((token, i) => {
      expect(token.token).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(Date.parse(token.valid_from)).toBe(first + i * INTERVAL);
      expect(Date.parse(token.valid_to)).toBe(first + (i + 1) * INTERVAL);
      expect(token.valid_from).toBe(new Date(first + i * INTERVAL).toISOString());
    });
    expect(new Set(body.tokens.map((x) => x.token)).size).toBe(96);
    expect(JSON.stringify(body)).not.toContain(user.id);

    const stored = await storedFor(user.id);
    expect(
      stored.map((r) => ({
        token: r.token,
        valid_from: new Date(r.valid_from).toISOString(),
        valid_to: new Date(r.valid_to).toISOString(),
      })),
    ).toEqual(body.tokens);
  });

  it('returns the same tokens when asked twice, and stores each once', async () => {
    const user = await registerUser(t.app);
    const from = new Date(Date.now() + 60_000).toISOString();
    const one = await fetchTokens(user, `?from=${encodeURIComponent(from)}`);
    const two = await fetchTokens(user, `?from=${encodeURIComponent(from)}`);
    expect(one.statusCode, one.body).toBe(200);
    expect(two.json()).toEqual(one.json());
    expect(await storedFor(user.id)).toHaveLength(96);

    // An overlapping window re-issues the shared intervals' tokens and stores only the new ones.
    const later = new Date(Date.parse(from) + 2 * 3_600_000).toISOString();
    const three = await fetchTokens(user, `?from=${encodeURIComponent(later)}`);
    expect(three.statusCode, three.body).toBe(200);
    const overlap = three.json<TokenList>().tokens.slice(0, 88);
    expect(overlap).toEqual(one.json<TokenList>().tokens.slice(8));
    expect(await storedFor(user.id)).toHaveLength(104);
  });

  it('gives two users unrelated tokens', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const a = (await fetchTokens(alice)).json<TokenList>().tokens.map((x) => x.token);
    const b = (await fetchTokens(bob)).json<TokenList>().tokens.map((x) => x.token);
    expect(new Set([...a, ...b]).size).toBe(192);
  });

  it('serves a later day when asked, up to 7 days ahead', async () => {
    const user = await registerUser(t.app);
    const from = Date.now() + 3 * DAY + 123_456;
    const response = await fetchTokens(user, `?from=${encodeURIComponent(new Date(from).toISOString())}`);
    expect(response.statusCode, response.body).toBe(200);
    const tokens = response.json<TokenList>().tokens;
    expect(tokens).toHaveLength(96);
    expect(Date.parse(tokens[0]!.valid_from)).toBe(intervalStart(intervalOf(from)));

    const edge = new Date(Date.now() + 7 * DAY - 60_000).toISOString();
    expect((await fetchTokens(user, `?from=${encodeURIComponent(edge)}`)).statusCode).toBe(200);
    // An offset other than Z is accepted.
    const offset = new Date(Date.now() + DAY).toISOString().replace('Z', '+00:00');
    expect((await fetchTokens(user, `?from=${encodeURIComponent(offset)}`)).statusCode).toBe(200);
  });

  it('refuses staff with 403 and callers without a valid token with 401, storing nothing', async () => {
    const staff = await Promise.all(
      (['health_professional', 'authority', 'admin'] as const).map((role) => createStaff(t, role)),
    );
    for (const member of staff) {
      const problem = expectProblem(
        await t.app.inject({ method: 'GET', url: '/proximity_tokens', headers: member.auth }),
        403,
      );
      expect(problem.detail).toContain(member.role);
    }
    expectProblem(await t.app.inject({ method: 'GET', url: '/proximity_tokens' }), 401);
    expectProblem(
      await t.app.inject({
        method: 'GET',
        url: '/proximity_tokens',
        headers: { authorization: `Bearer ept_${'A'.repeat(43)}` },
      }),
      401,
    );
    // Authorisation comes before validation: a staff caller with a bad query is still a 403.
    expectProblem(
      await t.app.inject({ method: 'GET', url: '/proximity_tokens?from=nonsense', headers: staff[1]!.auth }),
      403,
    );
    expectProblem(await t.app.inject({ method: 'GET', url: '/proximity_tokens?from=nonsense' }), 401);
    expect(await storedCount()).toBe(0);
  });

  it('answers a bad query with a 400 problem and stores nothing', async () => {
    const user = await registerUser(t.app);
    const cases: Array<[string, RegExp]> = [
      ['?from=yesterday', /querystring\/from/],
      ['?from=2024-03-10', /querystring\/from/],
      ['?from=2024-03-10T09:00:00', /querystring\/from/], // no offset
      [
        `?from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}`,
        /querystring\/from may not be before the current 15-minute interval/,
      ],
      [
        `?from=${encodeURIComponent(new Date(Date.now() + 8 * DAY).toISOString())}`,
        /querystring\/from may be at most 7 days ahead/,
      ],
      ['?count=5', /unknown field "count"/],
    ];
    for (const [query, detail] of cases) {
      const problem = expectProblem(await fetchTokens(user, query), 400);
      expect(problem.detail, query).toMatch(detail);
    }
    expect(await storedCount()).toBe(0);
  });

  it('accepts a phone clock a few minutes behind', async () => {
    const user = await registerUser(t.app);
    const response = await fetchTokens(
      user,
      `?from=${encodeURIComponent(new Date(Date.now() - 4 * 60_000).toISOString())}`,
    );
    expect(response.statusCode, response.body).toBe(200);
  });

  it('is documented in /openapi.json with its query, answer and problems', async () => {
    const doc = (await t.app.inject('/openapi.json')).json<{
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string }>;
            responses: Record<string, { content?: Record<string, unknown> }>;
          }
        >
      >;
    }>();
    const operation = doc.paths['/proximity_tokens']?.get;
    expect(operation).toBeDefined();
    expect(operation!.parameters?.some((p) => p.name === 'from' && p.in === 'query')).toBe(true);
    expect(operation!.responses['200']?.content?.['application/json']).toBeDefined();
    for (const code of ['400', '401', '403'])
      expect(operation!.responses[code]?.content?.['application/problem+json'], code).toBeDefined();
  });

  it('resolves a token issued over HTTP to its owner', async () => {
    const user = await registerUser(t.app);
    const tokens = (await fetchTokens(user)).json<TokenList>().tokens;
    const seen = tokens[3]!;
    const at = Date.parse(seen.valid_from) + 5 * 60_000;
    const owners = await serviceAt(Date.now()).resolve([{ token: seen.token, at }]);
    expect(owners).toEqual(new Map([[seen.token, user.id]]));
  });

  it('resolve() finds owners within one interval of drift, and nothing outside it or for unknown tokens', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const T = intervalStart(intervalOf(Date.now()));
    const service = serviceAt(T);
    const [a0, a1] = await service.issueFor(alice.id, T, 2);
    const [b0] = await service.issueFor(bob.id, T, 1);

    const owners = await service.resolve([
      { token: a0!.token, at: T + 60_000 },
      { token: a1!.token, at: T + INTERVAL + 1 },
      { token: b0!.token, at: T - 1 }, // phone clocks a moment apart: tolerated
      { token: 'AAAAAAAAAAAAAAAAAAAAAA', at: T }, // never issued
      { token: 'not a token', at: T },
    ]);
    expect(owners).toEqual(
      new Map([
        [a0!.token, alice.id],
        [a1!.token, alice.id],
        [b0!.token, bob.id],
      ]),
    );

    const at = async (token: string, when: number) => (await service.resolve([{ token, at: when }])).get(token) ?? null;
    expect(await at(a0!.token, T - INTERVAL)).toBe(alice.id);
    expect(await at(a0!.token, T - INTERVAL - 1)).toBeNull();
    expect(await at(a0!.token, T + 2 * INTERVAL - 1)).toBe(alice.id);
    expect(await at(a0!.token, T + 2 * INTERVAL)).toBeNull();
    expect(await at(a0!.token, T + DAY)).toBeNull();
    expect(await at(a0!.token, Number.NaN)).toBeNull();
    // One in-range sighting among several is enough.
    expect(
      (
        await service.resolve([
          { token: a0!.token, at: T - DAY },
          { token: a0!.token, at: T },
        ])
      ).get(a0!.token),
    ).toBe(alice.id);
    // A well-formed token for the same user and interval, derived with another deployment's key, was never issued here.
    const foreign = deriveToken(deriveTokenKey('z'.repeat(40)), alice.id, intervalOf(T));
    expect(foreign).not.toBe(a0!.token);
    expect(await at(foreign, T)).toBeNull();
    expect(await service.resolve([])).toEqual(new Map());
  });

  it('issueFor() is idempotent, canonicalises the user id and checks its arguments', async () => {
    const user = await registerUser(t.app);
    const service = serviceAt(Date.now());
    const from = Date.now();
    const first = await service.issueFor(user.id, from, 4);
    const again = await service.issueFor(user.id.toUpperCase(), from, 4);
    expect(again).toEqual(first);
    expect(first[0]!.validFrom).toBe(intervalStart(intervalOf(from)));
    expect(await storedFor(user.id)).toHaveLength(4);
    await expect(service.issueFor(user.id, from, 0)).rejects.toThrow(RangeError);
    await expect(service.issueFor(user.id, from, 1.5)).rejects.toThrow(RangeError);
    await expect(service.issueFor(user.id, from, 10_000)).rejects.toThrow(RangeError);
    await expect(service.issueFor(user.id, Number.NaN, 1)).rejects.toThrow(RangeError);
  });

  it('deleteOlderThan() removes only tokens whose validity ended by the cutoff', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    const T = intervalStart(intervalOf(Date.now())) - 30 * DAY;
    const service = serviceAt(T);
    const old = await service.issueFor(alice.id, T, 4);
    await service.issueFor(bob.id, T + 22 * DAY, 4);

    const cutoff = T + 2 * INTERVAL; // the first two tokens ended exactly at or before it
    expect(await service.deleteOlderThan(cutoff)).toBe(2);
    expect((await storedFor(alice.id)).map((r) => r.token)).toEqual(old.slice(2).map((x) => x.token));
    expect(await storedFor(bob.id)).toHaveLength(4);
    expect(await service.resolve([{ token: old[0]!.token, at: T }])).toEqual(new Map());
    expect(await service.deleteOlderThan(cutoff)).toBe(0);
  });

  it('erasing a user erases their tokens', async () => {
    const alice = await registerUser(t.app);
    const bob = await registerUser(t.app);
    expect((await fetchTokens(alice)).statusCode).toBe(200);
    expect((await fetchTokens(bob)).statusCode).toBe(200);
    const erased = await t.app.inject({ method: 'DELETE', url: `/users/${alice.id}`, headers: alice.auth });
    expect(erased.statusCode, erased.body).toBe(204);
    expect(await storedFor(alice.id)).toEqual([]);
    expect(await storedFor(bob.id)).toHaveLength(96);
  });
});
