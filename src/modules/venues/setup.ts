import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { VenuesRepository } from './repository.js';
import { venuesRoutes } from './routes.js';
import { VenuesService } from './service.js';

/** Venues that residents check in to. */
export function setupVenues({ db }: ModuleContext) {
  const venues = new VenuesService(new VenuesRepository(db));
  return { routes: (app) => app.register(venuesRoutes, { venues }) } satisfies ModuleParts;
}
