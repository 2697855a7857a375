import type { ListProximityTokensQuery, ProximityTokenList } from '../../contracts/proximity-tokens.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden } from '../../platform/http/problem.js';
import {
  PROXIMITY_TOKEN_INTERVAL_MS,
  TOKENS_PER_DAY,
  deriveTokenKey,
  deriveTokens,
  intervalOf,
  intervalStart,
  observedWhileValid,
} from './model.js';
import type { ProximityTokensRepository } from './repository.js';
import { MS_PER_DAY } from '../../platform/time/calendar.js';

/** How far ahead a phone may fetch tokens. */
export const MAX_FETCH_AHEAD_MS = 7 * MS_PER_DAY;
/** A phone whose clock is a little behind may ask from up to 5 minutes before now (possibly the previous interval). */
export const MAX_FETCH_BEHIND_MS = 5 * 60_000;
/** Most tokens one issueFor call derives: 8 days (a fetch 7 days ahead plus its 24 hours). */
export const MAX_ISSUE_COUNT = 8 * TOKENS_PER_DAY;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{22}$/;
const iso = (ms: number) => new Date(ms).toISOString();

export interface IssuedProximityToken {
  readonly token: string;
  /** Epoch ms, inclusive. */
  readonly validFrom: number;
  /** Epoch ms, exclusive. */
  readonly validTo: number;
}

/** A peer token as a phone observed it, and when (epoch ms). */
export interface ObservedProximityToken {
  readonly token: string;
  readonly at: number;
}

export interface ProximityTokensOptions {
  /** Clock (epoch ms); tests pass a fixed one. */
  readonly now?: () => number;
}

/**
 * Issues each app user's rotating Bluetooth tokens and, for the tracing engine, resolves an observed token back
 * to its owner. Tokens are derived (model.ts), so issuing is idempotent; every issued token is stored so that
 * resolution is a primary-key lookup and works only for tokens this server actually issued.
 */
export class ProximityTokensService {
  private readonly key: Buffer;
  private readonly now: () => number;

  /**
   * @param tokenSecret the deployment's token secret (resolveSecrets().tokenSecret); only an HKDF-derived key is kept.
   */
  constructor(
    private readonly tokens: ProximityTokensRepository,
    tokenSecret: string,
    options: ProximityTokensOptions = {},
  ) {
    this.key = deriveTokenKey(tokenSecret);
    this.now = options.now ?? Date.now;
  }

  /** GET /proximity_tokens: the caller's tokens for 24 hours from the interval containing `from` (default now). */
  async listForCaller(actor: AuthenticatedPrincipal, query: ListProximityTokensQuery): Promise<ProximityTokenList> {
    if (actor.kind !== 'user') throw forbidden('only app users have proximity tokens');
    const now = this.now();
    const from = query.from === undefined ? now : Date.parse(query.from);
    if (Number.isNaN(from)) throw badRequest('querystring/from must be an ISO 8601 date-time');
    const earliest = Math.min(intervalStart(intervalOf(now)), now - MAX_FETCH_BEHIND_MS);
    if (from < earliest)
      throw badRequest(
        'querystring/from may not be before the current 15-minute interval (nor more than 5 minutes before now)',
      );
    if (from > now + MAX_FETCH_AHEAD_MS) throw badRequest('querystring/from may be at most 7 days ahead');
    const issued = await this.issueFor(actor.userId, from, TOKENS_PER_DAY);
    return {
      interval_minutes: PROXIMITY_TOKEN_INTERVAL_MS / 60_000,
      tokens: issued.map((t) => ({ token: t.token, valid_from: iso(t.validFrom), valid_to: iso(t.validTo) })),
    };
  }

  /**
   * Derives and stores `count` consecutive tokens of a user from the interval containing `fromMs`. Idempotent:
   * the same (user, interval) always gives the same token, stored once. No authorisation: callers decide.
   * @throws RangeError when fromMs is not a non-negative finite time or count is not an integer in 1..MAX_ISSUE_COUNT.
   */
  async issueFor(userId: string, fromMs: number, count: number): Promise<IssuedProximityToken[]> {
    if (!Number.isFinite(fromMs) || fromMs < 0)
      throw new RangeError(`fromMs must be a non-negative epoch time, got ${fromMs}`);
    if (!Number.isInteger(count) || count < 1 || count > MAX_ISSUE_COUNT)
      throw new RangeError(`count must be an integer in 1..${MAX_ISSUE_COUNT}, got ${count}`);
    const owner = userId.toLowerCase();
    const derived = deriveTokens(this.key, owner, fromMs, count);
    await this.tokens.insertMissing(
      derived.map((t) => ({ token: t.token, user_id: owner, valid_from: t.validFrom, valid_to: t.validTo })),
    );
    return derived.map(({ token, validFrom, validTo }) => ({ token, validFrom, validTo }));
  }

  /**
   * Owners of observed tokens: token → user id, for each token this server issued whose validity, widened by one
   * interval either side for clock drift (RESOLVE_TOLERANCE_MS), contains an `at` it was observed at. Unknown
   * tokens, tokens seen outside that window and tokens already deleted by retention are absent from the map.
   */
  async resolve(observed: ReadonlyArray<ObservedProximityToken>): Promise<Map<string, string>> {
    const owners = new Map<string, string>();
    const candidates = observed.filter((o) => TOKEN_SHAPE.test(o.token) && Number.isFinite(o.at));
    if (candidates.length === 0) return owners;
    const rows = await this.tokens.findByTokens([...new Set(candidates.map((o) => o.token))]);
    const byToken = new Map(rows.map((r) => [r.token, r]));
    for (const { token, at } of candidates) {
      const row = byToken.get(token);
      if (row !== undefined && observedWhileValid({ validFrom: row.valid_from, validTo: row.valid_to }, at))
        owners.set(token, row.user_id);
    }
    return owners;
  }

  /** Retention: deletes the tokens whose validity ended at or before `cutoffMs`; returns how many. */
  deleteOlderThan(cutoffMs: number): Promise<number> {
    return this.tokens.deleteValidToAtOrBefore(cutoffMs);
  }
}
