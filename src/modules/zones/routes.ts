import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { ExposureSitePage, ExposureSitesQuery, ZonesQuery, ZonesResponse } from '../../contracts/zones.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { ZonesService } from './service.js';

export const zonesRoutes: FastifyPluginAsyncTypebox<{ zones: ZonesService }> = async (app, { zones }) => {
  app.get(
    '/zones',
    {
      preValidation: requireRole('authority', 'health_professional'),
      schema: {
        tags: ['zones'],
        operationId: 'zones',
        summary: 'Infection zones: space-time clusters of the latest scan',
        description:
          'The latest prospective space-time permutation scan (Kulldorff et al. 2005) over H3 cells: its study period and settings, and its clusters ' +
          '(most likely first, at most 10) with observed and expected counts, Monte Carlo p-value and recurrence interval. A significant cluster carries the id ' +
          'it keeps across scans and the id of the alert it raised. Cells, counts and dates only. The scan reruns as cases arrive.',
        security: BearerSecurity,
        querystring: ZonesQuery,
        response: withProblems({ 200: ZonesResponse }, [400, 401, 403, 429]),
      },
    },
    async (request) => zones.clusters(authenticated(request), request.query),
  );

  app.get(
    '/zones/exposure_sites',
    {
      preValidation: requireRole('health_professional'),
      schema: {
        tags: ['zones'],
        operationId: 'exposureSites',
        summary: 'Exposure sites: cells and venues where infectious cases were present',
        description:
          'For health professionals: every H3 cell (location stays) and venue (check-ins) where an active case was during their infectious window, with the ' +
          'time windows (overlapping stays merged) and how many cases; no person and no case is named. Latest presence first, paginated. Each read is audited.',
        security: BearerSecurity,
        querystring: ExposureSitesQuery,
        response: withProblems({ 200: ExposureSitePage }, [400, 401, 403, 429]),
      },
    },
    async (request) => zones.exposureSites(authenticated(request), request.query, request.id),
  );
};
