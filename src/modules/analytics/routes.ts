import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { PublicAggregate, PublicQuery, RtQuery, RtResult, Summary, SummaryQuery } from '../../contracts/analytics.js';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { AnalyticsService } from './service.js';

/** How long a shared cache may keep the public aggregate (it only covers completed days). */
const PUBLIC_MAX_AGE_SECONDS = 300;

export const analyticsRoutes: FastifyPluginAsyncTypebox<{ analytics: AnalyticsService }> = async (
  app,
  { analytics },
) => {
  app.get(
    '/analytics/summary',
    {
      preValidation: requireRole('authority', 'health_professional'),
      schema: {
        tags: ['analytics'],
        operationId: 'analyticsSummary',
        summary: 'Daily epidemic indicators and notification outcomes (authorities, health professionals)',
        description:
          'Day by day: cases by report and by onset date, symptom reports, contacts traced and notified per traced case, the 7-day ' +
          'average, the growth rate (week-on-week ratio: r = ln(C_week / C_previous_week) / 7) and the doubling time; and, per ' +
          'notification tier, the share of notified people who became cases. Kept current by the streaming analytics engine as ' +
          'cases, traces and notifications happen. Aggregates only: no person is named.',
        security: BearerSecurity,
        querystring: SummaryQuery,
        response: withProblems({ 200: Summary }, [400, 401, 403, 429]),
      },
    },
    async (request) => analytics.summary(authenticated(request), request.query),
  );

  app.get(
    '/analytics/rt',
    {
      preValidation: requireRole('authority', 'health_professional'),
      schema: {
        tags: ['analytics'],
        operationId: 'analyticsRt',
        summary: 'Time-varying reproduction number Rt (authorities, health professionals)',
        description:
          "Rt over sliding windows by the method of Cori et al. (2013) with the conventions of EpiEstim's estimate_R (gamma prior " +
          'mean 5, sd 5; windows t_start = 2..T-window+1; day 1 cases imported; windows ending on or before the mean serial interval ' +
          'dropped), on the daily incidence of every case, app and imported line list. Give the serial interval either as si_mean and ' +
          'si_sd (parametric_si) or as si_distr (non_parametric_si). Too little data is an answer, not an error: with no case yet, ' +
          'or fewer days since the first case than one window needs, estimates is empty, needs_days says how many days of cases ' +
          'Rt needs and reason says so in words (a from that leaves too short a period is a 400).',
        security: BearerSecurity,
        querystring: RtQuery,
        response: withProblems({ 200: RtResult }, [400, 401, 403, 429]),
      },
    },
    async (request) => analytics.rt(authenticated(request), request.query),
  );

  app.get(
    '/analytics/public',
    {
      schema: {
        tags: ['analytics'],
        operationId: 'analyticsPublic',
        security: [],
        summary: 'Public aggregate: daily cases and cases per area, small counts suppressed (anyone)',
        description:
          'Completed days and weeks only. Any day, or H3 cell in a week, with fewer than k cases (PUBLIC_MIN_CASES) is suppressed: a ' +
          'day is shown with cases null, a cell is left out; more counts are suppressed where needed so that a suppressed count ' +
          'cannot be worked out from the others. Anonymous, rate limited per address, cacheable.',
        querystring: PublicQuery,
        response: withProblems({ 200: PublicAggregate }, [400, 401, 429]),
      },
    },
    async (request, reply) => {
      const result = await analytics.publicAggregate(request.query);
      reply.header('cache-control', `public, max-age=${PUBLIC_MAX_AGE_SECONDS}`);
      return result;
    },
  );
};
