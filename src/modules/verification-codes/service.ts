import { createHmac, randomUUID } from 'node:crypto';
import type { Case } from '../../contracts/cases.js';
import type {
  IssueVerificationCodeBody,
  RedeemCodeBody,
  VerificationCode,
} from '../../contracts/verification-codes.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import {
  type HttpProblem,
  badRequest,
  conflict,
  forbidden,
  gone,
  tooManyRequests,
} from '../../platform/http/problem.js';
import { isPlausibleOnsetDate } from '../../platform/time/plausible-dates.js';
import type { AuditService } from '../audit/service.js';
import type { CaseReportsService } from '../cases/case-reports-service.js';
import { presentCase } from '../cases/model.js';
import { codeHash, newLongCode, newShortCode, parseCode } from './model.js';
import type { VerificationCodeRow, VerificationCodesRepository } from './repository.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const LONG_CODE_TTL_MS = 24 * HOUR_MS;
/** How long a failed redemption counts against the account and the address. */
const ATTEMPT_WINDOW_MS = HOUR_MS;
const ISSUE_TRIES = 5;

export interface VerificationCodeRules {
  readonly timeZone: string;
  readonly maxOnsetAgeDays: number;
  readonly shortCodeTtlMinutes: number;
  readonly maxAttempts: number;
}

/** The key codes are hashed under: derived from the server's token secret, never the secret itself. */
export function deriveCodeKey(tokenSecret: string): Buffer {
  return createHmac('sha256', tokenSecret).update('verification-codes').digest();
}

/** Thrown inside the redemption's transaction when another request used the code first: the transaction rolls back. */
class AlreadyUsed extends Error {}

/**
 * Verification codes: a health professional or a laboratory issues a one-time code for a confirmed result; the
 * resident redeems it in the app, and their case becomes confirmed with the code's claims and is traced at once.
 */
export class VerificationCodesService {
  constructor(
    private readonly codes: VerificationCodesRepository,
    private readonly reports: Pick<CaseReportsService, 'record'>,
    private readonly audit: AuditService,
    private readonly key: Buffer,
    private readonly rules: VerificationCodeRules,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(
    actor: AuthenticatedPrincipal,
    body: IssueVerificationCodeBody,
    requestId: string,
  ): Promise<VerificationCode> {
    if (actor.kind !== 'staff' || (actor.role !== 'health_professional' && actor.role !== 'lab'))
      throw forbidden('verification codes are issued by health professionals and laboratories');
    const now = this.now();
    for (const field of ['test_date', 'onset_date'] as const) {
      const value = body[field];
      if (value === undefined) continue;
      const problem = isPlausibleOnsetDate(value, now, this.rules.timeZone, this.rules.maxOnsetAgeDays);
      if (problem !== null) throw badRequest(`body/${field} ${problem}`);
    }
    for (let attempt = 0; attempt < ISSUE_TRIES; attempt++) {
      const shortCode = newShortCode();
      const longCode = newLongCode();
      const row: VerificationCodeRow = {
        id: randomUUID(),
        short_hash: codeHash(this.key, shortCode),
        long_hash: codeHash(this.key, longCode),
        report_type: body.report_type,
        test_date: body.test_date,
        onset_date: body.onset_date ?? null,
        issued_by: actor.staffId,
        issuer_role: actor.role,
        created_at: now,
        short_expires_at: now + this.rules.shortCodeTtlMinutes * MINUTE_MS,
        long_expires_at: now + LONG_CODE_TTL_MS,
        used_at: null,
        used_by: null,
        case_id: null,
      };
      // 40 random bits: a short code may, very rarely, repeat an earlier one; then draw again.
      if (!(await this.codes.insertIfNew(row))) continue;
      await this.audit.recordAction(actor, 'verification_codes.issue', requestId, now);
      return {
        id: row.id,
        short_code: shortCode,
        long_code: longCode,
        short_expires_at: new Date(row.short_expires_at).toISOString(),
        long_expires_at: new Date(row.long_expires_at).toISOString(),
        report_type: row.report_type,
        test_date: row.test_date,
        onset_date: row.onset_date,
      };
    }
    throw new Error('could not draw an unused verification code');
  }

  /**
   * The resident redeems a code: their case (new, or their open one, upgraded in place) becomes confirmed with the
   * code's claims, in the same transaction that marks the code used. Every failure counts against the account and the
   * address; past the limit, nothing is looked up.
   */
  async redeem(
    actor: AuthenticatedPrincipal,
    body: RedeemCodeBody,
    address: string,
  ): Promise<{ case: Case; created: boolean }> {
    if (actor.kind !== 'user') throw forbidden('verification codes are redeemed by app users, in the app');
    const now = this.now();
    const keys = [this.attemptKey(`user:${actor.userId}`), this.attemptKey(`ip:${address}`)];
    await this.refuseWhenTooManyFailures(keys, now);
    if (body.onset_date !== undefined) {
      const problem = isPlausibleOnsetDate(body.onset_date, now, this.rules.timeZone, this.rules.maxOnsetAgeDays);
      if (problem !== null) throw badRequest(`body/onset_date ${problem}`);
    }
    const fail = async (problem: HttpProblem): Promise<never> => {
      await this.codes.recordFailure(keys, now, now - ATTEMPT_WINDOW_MS);
      throw problem;
    };

    const parsed = parseCode(body.code);
    if (parsed.kind === 'unknown_format')
      return fail(
        badRequest('body/code is not a verification code: a short code is XXXX-XXXX-C, a long code 22 characters'),
      );
    if (parsed.kind === 'bad_check')
      return fail(
        badRequest(
          'body/code: the check character is wrong, so a character was mistyped; compare the code with the one you were given',
        ),
      );
    const code = await this.codes.findByHash(parsed.kind, codeHash(this.key, parsed.normalised));
    if (code === undefined) return fail(badRequest('body/code: no such code'));
    if (code.used_at !== null) return fail(conflict('this code has already been used'));
    const expiresAt = parsed.kind === 'short' ? code.short_expires_at : code.long_expires_at;
    if (now >= Number(expiresAt))
      return fail(gone('this code has expired: ask the person who gave it to you for a new one'));

    let result: Awaited<ReturnType<CaseReportsService['record']>>;
    try {
      result = await this.reports.record(
        {
          userId: actor.userId,
          reportType: code.report_type,
          onsetDate: body.onset_date ?? code.onset_date,
          testDate: code.test_date,
          managedBy: code.issuer_role === 'health_professional' ? code.issued_by : null,
        },
        async (trx) => {
          // Conditional: of two requests redeeming one code at once, one marks it; the other rolls back.
          if (!(await this.codes.markUsed(trx, code.id, actor.userId, now))) throw new AlreadyUsed();
        },
      );
    } catch (error) {
      if (error instanceof AlreadyUsed) return fail(conflict('this code has already been used'));
      throw error;
    }
    await this.codes.setCase(code.id, result.case.id);
    return { case: presentCase(result.case), created: result.created };
  }

  private attemptKey(subject: string): string {
    return createHmac('sha256', this.key).update(`attempts:${subject}`).digest('hex');
  }

  /** 429 when the account or the address has reached the limit in the last hour; Retry-After: until it has not. */
  private async refuseWhenTooManyFailures(keys: readonly string[], now: number): Promise<void> {
    const max = this.rules.maxAttempts;
    let waitMs = 0;
    for (const key of keys) {
      const times = await this.codes.failuresSince(key, now - ATTEMPT_WINDOW_MS);
      if (times.length < max) continue;
      // Once this failure leaves the hour, fewer than `max` remain.
      const freeing = times[times.length - max]!;
      waitMs = Math.max(waitMs, freeing + ATTEMPT_WINDOW_MS - now);
    }
    if (waitMs === 0) return;
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw tooManyRequests(
      `too many wrong or used codes from this account or address (${max} in an hour); try again in ${seconds} seconds`,
      seconds,
    );
  }
}
