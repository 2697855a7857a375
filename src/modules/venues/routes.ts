import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { BearerSecurity, withProblems } from '../../contracts/common.js';
import { CreateVenueBody, DuplicateVenueProblem, Venue, VenueParams } from '../../contracts/venues.js';
import { authenticated, requireRole } from '../../platform/http/principal.js';
import type { VenuesService } from './service.js';

export const venuesRoutes: FastifyPluginAsyncTypebox<{ venues: VenuesService }> = async (app, { venues }) => {
  app.post(
    '/venues',
    {
      preValidation: requireRole('user', 'health_professional', 'admin'),
      schema: {
        tags: ['venues'],
        operationId: 'registerVenue',
        summary: 'Register a venue and get its printable QR code',
        description:
          "A venue owner (from the app) or a health professional or admin (on an owner's behalf) registers a venue. " +
          'The answer carries its code, the `venue_id` people check in with, and the QR code to print. The venue record names no app user. ' +
          'If the caller already registered a venue with the same name and address (in any case and spacing), the answer is 409 with ' +
          'that venue as `existing_venue`, unless the body says `allow_duplicate: true`.',
        security: BearerSecurity,
        body: CreateVenueBody,
        response: {
          ...withProblems({ 201: Venue }, [400, 401, 403, 413, 415, 429]),
          409: {
            description: 'The caller already registered a venue with this name and address: `existing_venue`',
            content: { 'application/problem+json': { schema: DuplicateVenueProblem } },
          },
        },
      },
    },
    async (request, reply) => reply.code(201).send(await venues.register(authenticated(request), request.body)),
  );

  app.get(
    '/venues/:id',
    {
      preValidation: requireRole('user', 'health_professional', 'authority', 'admin'),
      schema: {
        tags: ['venues'],
        operationId: 'getVenue',
        summary: 'A venue, by its code, with its QR code',
        description:
          'Any signed-in caller: the app shows the venue name before checking in. Codes are case-insensitive.',
        security: BearerSecurity,
        params: VenueParams,
        response: withProblems({ 200: Venue }, [400, 401, 403, 404, 429]),
      },
    },
    async (request) => venues.get(request.params.id),
  );
};
