import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Case } from '../../contracts/cases.js';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { IssueVerificationCodeBody, RedeemCodeBody, VerificationCode } from '../../contracts/verification-codes.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { VerificationCodesService } from './service.js';

export const verificationCodesRoutes: FastifyPluginAsyncTypebox<{ codes: VerificationCodesService }> = async (
  app,
  { codes },
) => {
  app.post(
    '/verification_codes',
    {
      preValidation: requireRole('health_professional', 'lab'),
      schema: {
        tags: ['cases'],
        operationId: 'issueVerificationCode',
        summary: 'Issue a verification code for a confirmed result (health professional or laboratory)',
        description:
          'Issues a one-time code that lets the person tested turn their report in the app into a confirmed case with ' +
          'these claims. The answer holds a short code to read out on the phone (8 characters of Crockford base32 and ' +
          'a check character, valid VERIFICATION_CODE_TTL_MINUTES) and a long code for a link or a QR code (valid 24 ' +
          'hours); either can be redeemed once, by POST /cases/redeem. Only keyed hashes of the codes are stored, ' +
          "with the issuer and the claims. A professional's code makes them the case's manager; a laboratory's leaves " +
          'the case unmanaged until a professional takes it. Audited.',
        security: BearerSecurity,
        body: IssueVerificationCodeBody,
        response: withProblems({ 201: VerificationCode }, [400, 401, 403, 413, 415, 429]),
      },
    },
    async (request, reply) => reply.code(201).send(await codes.issue(authenticated(request), request.body, request.id)),
  );

  app.post(
    '/cases/redeem',
    {
      preValidation: requireRole('user'),
      schema: {
        tags: ['cases'],
        operationId: 'redeemCode',
        summary: 'Redeem a verification code (app user)',
        description:
          "The resident's case becomes confirmed with the code's claims (report type, test date, onset date unless " +
          'the body gives one) and is traced at once: 201 with a new case, 200 when their open self-reported case was ' +
          'upgraded in place. A used code is 409, an expired one 410, an unknown one 400, a short code with a wrong ' +
          'check character 400 saying so. Every failure counts against the account and the address: after ' +
          'VERIFICATION_MAX_ATTEMPTS failures in an hour the answer is 429 with Retry-After, and no code is looked up. ' +
          'A refused redemption writes nothing but the failure count.',
        security: BearerSecurity,
        body: RedeemCodeBody,
        response: withProblems({ 201: Case, 200: Case }, [400, 401, 403, 409, 410, 413, 415, 429]),
      },
    },
    async (request, reply) => {
      const result = await codes.redeem(authenticated(request), request.body, request.ip);
      return reply.code(result.created ? 201 : 200).send(result.case);
    },
  );
};
