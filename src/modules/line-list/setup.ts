import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { ListedCaseReport } from '../cases/epidemic-cases.js';
import { LineListRepository } from './repository.js';
import { lineListRoutes } from './routes.js';
import { LineListService } from './service.js';

/** The line list's cases reported in a period, for the union of the epidemic's cases. */
export function listedCaseReports({ db }: ModuleContext): {
  reportedBetween(from: string, to: string): Promise<ListedCaseReport[]>;
} {
  return new LineListRepository(db);
}

/** Cases imported from the health department's line list (CSV or JSON). */
export function setupLineList(
  { db, bus, config, log }: ModuleContext,
  deps: { readonly analytics: { refreshCaseDates(from: string, to: string): Promise<void> } },
) {
  const settings = { timeZone: config.timeZone, h3Resolution: config.h3Resolution };
  const lineList = new LineListService(new LineListRepository(db), deps.analytics, settings, log, bus);
  return { routes: (app) => app.register(lineListRoutes, { lineList }) } satisfies ModuleParts;
}
