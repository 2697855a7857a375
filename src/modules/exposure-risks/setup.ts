import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { AccessService } from '../access/service.js';
import { ExposureRisksRepository } from './repository.js';
import { exposureRisksRoutes } from './routes.js';
import { ExposureRisksService, type InteractionOwners } from './service.js';

/** The seed's GET /exposure_risks: the risks computed for one interaction. */
export function setupExposureRisks(
  { db }: ModuleContext,
  deps: { readonly interactions: InteractionOwners; readonly access: AccessService },
) {
  const exposureRisks = new ExposureRisksService(new ExposureRisksRepository(db), deps.interactions, deps.access);
  return { routes: (app) => app.register(exposureRisksRoutes, { exposureRisks }) } satisfies ModuleParts;
}
