import { randomUUID } from 'node:crypto';
import type { LoginBody, LoginResponse } from '../../contracts/staff.js';
import type { StaffTokens } from '../../platform/crypto/staff-tokens.js';
import type { StaffRole } from '../../platform/db/tables.js';
import { unauthorized } from '../../platform/http/problem.js';
import type { AuditService } from '../audit/service.js';
import type { StaffSessionRow, StaffSessionsRepository } from './sessions-repository.js';
import type { StaffService } from './service.js';
import type { StaffSessionEnd } from './tables.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Expired tokens are kept a day (to tell a late "already used" from an unknown token), then deleted at a sign-in. */
const KEEP_EXPIRED_MS = 24 * HOUR_MS;

export interface StaffSessionLimits {
  /** A session not refreshed for this long ends. */
  readonly idleMinutes: number;
  /** A session ends this long after its sign-in. */
  readonly maxHours: number;
}

/**
 * Staff sessions: a sign-in hands out a short-lived access token and a refresh token; each refresh spends the refresh
 * token and hands out a new pair (rotation). A spent token presented again means it was copied: the whole session
 * (the token family) is revoked. Sessions end after an idle time, after an absolute time, at sign-out, and when the
 * account is disabled or deleted.
 */
export class StaffSessionsService {
  constructor(
    private readonly sessions: StaffSessionsRepository,
    private readonly staff: Pick<StaffService, 'login' | 'activeRole'>,
    private readonly tokens: StaffTokens,
    private readonly audit: AuditService,
    private readonly limits: StaffSessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** POST /auth/login: checks the password, then starts a session. */
  async signIn(body: LoginBody, requestId: string): Promise<LoginResponse> {
    const login = await this.staff.login(body);
    const now = this.now();
    await this.sessions.deleteExpiredBefore(now - KEEP_EXPIRED_MS);
    const { row, refresh } = this.next(login.staff_id, randomUUID(), now, now);
    await this.sessions.insert(row);
    await this.record(login.staff_id, login.role, 'staff.sign_in', requestId, now);
    return { ...login, ...refresh };
  }

  /** POST /auth/refresh: a new access token and a new refresh token for a live one. */
  async refresh(refreshToken: string, requestId: string): Promise<LoginResponse> {
    const row = await this.live(refreshToken, requestId);
    const now = this.now();
    const role = await this.staff.activeRole(row.staff_id);
    if (role === null) {
      await this.sessions.revokeFamily(row.family_id, 'account_disabled', now);
      throw unauthorized('this staff account is disabled or deleted: the session has ended');
    }
    const next = this.next(row.staff_id, row.family_id, row.session_started_at, now);
    // Another request spent or revoked the token between the look-up and now: the same as presenting it twice.
    if (!(await this.sessions.rotate(row, next.row, now))) throw await this.reused(row, requestId);
    return {
      token: this.tokens.issue({ sub: row.staff_id, role }),
      token_type: 'Bearer',
      expires_in: this.tokens.ttlSeconds,
      staff_id: row.staff_id,
      role,
      ...next.refresh,
    };
  }

  /** POST /auth/logout: ends the session the refresh token belongs to (signing out twice is not an error). */
  async signOut(refreshToken: string, requestId: string): Promise<void> {
    const row = await this.find(refreshToken);
    if (row.revoked_at !== null) return;
    const now = this.now();
    await this.sessions.revokeFamily(row.family_id, 'signed_out', now);
    const role = await this.staff.activeRole(row.staff_id);
    if (role !== null) await this.record(row.staff_id, role, 'staff.sign_out', requestId, now);
  }

  /** The token's row, or a 401 saying why it cannot be used. */
  private async live(refreshToken: string, requestId: string): Promise<StaffSessionRow> {
    const row = await this.find(refreshToken);
    if (row.revoked_at !== null) throw unauthorized(endedBecause(row.revoked_reason));
    if (row.used_at !== null) throw await this.reused(row, requestId);
    const now = this.now();
    if (now >= row.session_started_at + this.limits.maxHours * HOUR_MS) {
      throw unauthorized(
        `the session has reached its limit of ${plural(this.limits.maxHours, 'hour')} since sign-in: please sign in again`,
      );
    }
    if (now >= row.expires_at) {
      throw unauthorized(
        `the session has ended after ${plural(this.limits.idleMinutes, 'minute')} without activity: please sign in again`,
      );
    }
    return row;
  }

  private async find(refreshToken: string): Promise<StaffSessionRow> {
    if (!this.tokens.looksLikeRefreshToken(refreshToken)) {
      throw unauthorized('malformed refresh token: "eprt_" followed by 43 characters expected');
    }
    const row = await this.sessions.findByHash(this.tokens.hashRefreshToken(refreshToken));
    if (row === undefined) throw unauthorized('unknown refresh token: please sign in again');
    return row;
  }

  /** A spent token came back: whoever holds the family's tokens may have copied them, so the session ends. */
  private async reused(row: StaffSessionRow, requestId: string) {
    const now = this.now();
    await this.sessions.revokeFamily(row.family_id, 'reused', now);
    const role = await this.staff.activeRole(row.staff_id);
    if (role !== null) await this.record(row.staff_id, role, 'staff.session_reused', requestId, now);
    return unauthorized(
      'this refresh token was already used: the session has been ended for safety, please sign in again',
    );
  }

  /** The family's next refresh token: the row to store, and what the client is told. */
  private next(
    staffId: string,
    familyId: string,
    sessionStartedAt: number,
    now: number,
  ): { row: StaffSessionRow; refresh: { refresh_token: string; refresh_expires_in: number } } {
    const token = this.tokens.newRefreshToken();
    const expiresAt = Math.min(
      now + this.limits.idleMinutes * MINUTE_MS,
      sessionStartedAt + this.limits.maxHours * HOUR_MS,
    );
    const row: StaffSessionRow = {
      id: randomUUID(),
      token_hash: this.tokens.hashRefreshToken(token),
      staff_id: staffId,
      family_id: familyId,
      session_started_at: sessionStartedAt,
      created_at: now,
      used_at: null,
      expires_at: expiresAt,
      revoked_at: null,
      revoked_reason: null,
    };
    return { row, refresh: { refresh_token: token, refresh_expires_in: Math.floor((expiresAt - now) / 1000) } };
  }

  private record(staffId: string, role: StaffRole, action: string, requestId: string, at: number): Promise<void> {
    return this.audit.recordAction({ kind: 'staff', staffId, role }, action, requestId, at);
  }
}

function endedBecause(reason: StaffSessionEnd | null): string {
  if (reason === 'signed_out') return 'this session was signed out: please sign in again';
  if (reason === 'reused') return 'this session was ended because a refresh token was used twice: please sign in again';
  return 'this staff account is disabled or deleted: the session has ended';
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}
