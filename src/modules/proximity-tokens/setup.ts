import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { ProximityTokensRepository } from './repository.js';
import { proximityTokensRoutes } from './routes.js';
import { ProximityTokensService } from './service.js';

/** Rotating Bluetooth tokens: issued to phones, resolved to people when an encounter is uploaded. */
export function setupProximityTokens({ db }: ModuleContext, deps: { readonly tokenSecret: string }) {
  const proximityTokens = new ProximityTokensService(new ProximityTokensRepository(db), deps.tokenSecret);
  return {
    proximityTokens,
    routes: (app) => app.register(proximityTokensRoutes, { proximityTokens }),
  } satisfies ModuleParts & Record<string, unknown>;
}
