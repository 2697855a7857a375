import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import {
  Case,
  CasePage,
  CreateCaseBody,
  ListCasesQuery,
  PatchCaseBody,
  RevokeCaseBody,
} from '../../contracts/cases.js';
import { CaseIdParams } from '../../contracts/tracing.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { CasesService } from './service.js';

export const casesRoutes: FastifyPluginAsyncTypebox<{ cases: CasesService }> = async (app, { cases }) => {
  app.post(
    '/cases',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['cases'],
        operationId: 'confirmCase',
        summary: 'Confirm a case (health professional)',
        description:
          'Records a confirmed test or clinical diagnosis for an app user and starts the trace of their contacts. 201 with a new case; 200 when the person already had an open case, which is upgraded (e.g. a self-report now confirmed: the same exposure risks are recomputed, never duplicated; a held self-report is released, so its contacts are notified). The caller manages a new case, and takes on an open case nobody managed (a self-report from the review list, a laboratory-confirmed case); a managed case keeps its manager. `report_date` enters a case reported earlier (a paper register, a laboratory batch): the case counts on that day in analytics and the zone scan, and its infectious window starts from it when no onset is known; it may not be in the future, more than 60 days ago or before `test_date` (400). Without it the case is reported today; an upgraded case keeps the earliest report date it was given.',
        security: BearerSecurity,
        body: CreateCaseBody,
        response: withProblems({ 201: Case, 200: Case }, [400, 401, 403, 404, 413, 415, 429]),
      },
    },
    async (request, reply) => {
      const result = await cases.confirm(authenticated(request), request.body, request.id);
      return reply.code(result.created ? 201 : 200).send(result.case);
    },
  );

  app.get(
    '/cases',
    {
      preValidation: requireRole('health_professional', 'user'),
      schema: {
        tags: ['cases'],
        operationId: 'listCases',
        summary: "List cases: a professional's, or an app user's own",
        description:
          'Health professionals: the cases they manage, newest first; with `status=self_reported`, `held` or `confirmed`, also the open cases of that status nobody manages yet (the review list: self-reports not yet confirmed, in every SELF_REPORTS mode, and cases confirmed by a laboratory), which a professional takes on by confirming them (POST /cases). App users: their own cases. `status` filters by life-cycle status.',
        security: BearerSecurity,
        querystring: ListCasesQuery,
        response: withProblems({ 200: CasePage }, [400, 401, 403, 429]),
      },
    },
    async (request) => cases.list(authenticated(request), request.query),
  );

  app.get(
    '/cases/:id',
    {
      preValidation: requireRole('health_professional', 'user'),
      schema: {
        tags: ['cases'],
        operationId: 'getCase',
        summary: 'One case',
        description:
          'For the professional managing the case, or any professional while it is open and unmanaged (the review list): an audited read. An app user reads their own cases.',
        security: BearerSecurity,
        params: CaseIdParams,
        response: withProblems({ 200: Case }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => cases.get(authenticated(request), request.params.id, request.id),
  );

  app.patch(
    '/cases/:id',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['cases'],
        operationId: 'patchCase',
        summary: 'Correct or close a case (its managing professional)',
        description:
          'Corrects `onset_date`, `test_date` or `report_type`: the infectious window is worked out again and the case traced again at once (risks outside the new window are removed, those inside recomputed, the days re-summed; a tier that rises notifies as usual, one that falls sends an update notification). `status: "closed"` closes the case (recovered, isolation over): it is no longer traced nor matched against late uploads, and its risks stay. `reason` is required and kept in the audit log with who changed what. 409 for a closed or revoked case.',
        security: BearerSecurity,
        params: CaseIdParams,
        body: PatchCaseBody,
        response: withProblems({ 200: Case }, [400, 401, 403, 404, 409, 413, 415, 429]),
      },
    },
    async (request) => cases.patch(authenticated(request), request.params.id, request.body, request.id),
  );

  app.post(
    '/cases/:id/revoke',
    {
      preValidation: requireRole('health_professional', 'user'),
      schema: {
        tags: ['cases'],
        operationId: 'revokeCase',
        summary: 'Revoke a case (a negative test, or entered in error)',
        description:
          "Every exposure risk the case caused is removed, the exposed people's daily totals are summed again and each person whose tier falls gets an update notification (live and in GET /notifications); the case manager's stream gets a `case_changed` event; the case no longer counts in analytics or the zone scan. Allowed to the professional managing the case (any open case), to any professional for an unconfirmed case nobody manages, and to the app user for their own self-report while it is unconfirmed (a confirmed case: 403). 409 for a closed or revoked case.",
        security: BearerSecurity,
        params: CaseIdParams,
        body: RevokeCaseBody,
        response: withProblems({ 200: Case }, [400, 401, 403, 404, 409, 413, 415, 429]),
      },
    },
    async (request) => cases.revoke(authenticated(request), request.params.id, request.body, request.id),
  );
};
