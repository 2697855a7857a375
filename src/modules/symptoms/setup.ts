import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { MAX_ONSET_AGE_DAYS } from '../../platform/time/plausible-dates.js';
import type { CaseReportsService } from '../cases/case-reports-service.js';
import { SymptomsRepository } from './repository.js';
import { symptomsRoutes } from './routes.js';
import { SymptomsService } from './service.js';

/** Symptom reports from the app, each opening or updating the reporter's case. */
export function setupSymptoms({ db, config }: ModuleContext, deps: { readonly caseReports: CaseReportsService }) {
  const symptoms = new SymptomsService(new SymptomsRepository(db), deps.caseReports, {
    timeZone: config.timeZone,
    maxOnsetAgeDays: MAX_ONSET_AGE_DAYS,
    selfReports: config.selfReports,
  });
  return { routes: (app) => app.register(symptomsRoutes, { symptoms }) } satisfies ModuleParts;
}
