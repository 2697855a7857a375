import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { deriveVenueDuplicateKey } from './model.js';
import { VenuesRepository } from './repository.js';
import { venuesRoutes } from './routes.js';
import { VenuesService } from './service.js';

/** Venues that residents check in to. `tokenSecret`: the deployment's, for the duplicates key derived from it. */
export function setupVenues({ db }: ModuleContext, deps: { readonly tokenSecret: string }) {
  const venues = new VenuesService(new VenuesRepository(db), deriveVenueDuplicateKey(deps.tokenSecret));
  return { routes: (app) => app.register(venuesRoutes, { venues }) } satisfies ModuleParts;
}
