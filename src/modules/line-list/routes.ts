import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ImportCsvBody, ImportJsonBody, ImportResult, MAX_IMPORT_ROWS } from '../../contracts/analytics.js';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { LineListService } from './service.js';

export const lineListRoutes: FastifyPluginAsyncTypebox<{ lineList: LineListService }> = async (app, { lineList }) => {
  // CSV bodies reach this plugin's routes only (the parser is scoped to the plugin).
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post(
    '/cases/import',
    {
      preValidation: requireRole('authority'),
      // The schema's first error is kept while the service checks every row, to list all of the bad ones.
      attachValidation: true,
      schema: {
        tags: ['cases'],
        operationId: 'importLineList',
        summary: 'Import a line list of cases (authority)',
        description:
          `Imports up to ${MAX_IMPORT_ROWS} cases that are not app users (historical or from other sources, dates of any age) as ` +
          'JSON ({"cases": [...]}) or CSV (text/csv, header line first), so that analytics cover an outbreak that started before ' +
          'the system did. Importing an external_id again updates that case, never duplicates it. Every row is checked first: if ' +
          'any is invalid, nothing is imported and the 400 problem lists the problems by row (errors[].path names the JSON index ' +
          'or the CSV line). A location (lat, lng) is stored with its H3 cell. The analytics are recomputed before the answer.',
        security: BearerSecurity,
        body: { content: { 'application/json': { schema: ImportJsonBody }, 'text/csv': { schema: ImportCsvBody } } },
        response: withProblems({ 200: ImportResult }, [400, 401, 403, 413, 415, 429]),
      },
    },
    async (request) => {
      const essence = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim()
        .toLowerCase();
      const schemaError = request.validationError;
      return lineList.import(
        authenticated(request),
        essence === 'text/csv'
          ? { format: 'csv', text: typeof request.body === 'string' ? request.body : '' }
          : { format: 'json', body: request.body, ...(schemaError ? { schemaError } : {}) },
      );
    },
  );
};
