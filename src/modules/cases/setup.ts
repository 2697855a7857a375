import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { MAX_ONSET_AGE_DAYS } from '../../platform/time/plausible-dates.js';
import type { CaseManagementFacts } from '../access/service.js';
import type { AuditService } from '../audit/service.js';
import type { CaseChangesService } from '../tracing/case-changes.js';
import type { TraceScheduler } from '../tracing/worker.js';
import { CaseLifeCycleService } from './case-life-cycle.js';
import { type CaseDates, CaseReportsService } from './case-reports-service.js';
import { type AppCaseReport, EpidemicCases, type ListedCaseReport } from './epidemic-cases.js';
import { CasesRepository } from './repository.js';
import { casesRoutes } from './routes.js';
import { CasesService, type UserDirectory } from './service.js';

/** What the access policy needs to know of cases: whether a professional manages a person. */
export function caseManagementFacts({ db }: ModuleContext): CaseManagementFacts {
  return new CasesRepository(db);
}

/** The app's cases reported in a period, for the union of the epidemic's cases. */
export function appCaseReports({ db }: ModuleContext): {
  reportedBetween(from: string, to: string): Promise<AppCaseReport[]>;
} {
  return new CasesRepository(db);
}

/** Every case of the epidemic, the app's and the line list's, counted one way by every reader. */
export function epidemicCases(
  ctx: ModuleContext,
  listedCases: { reportedBetween(from: string, to: string): Promise<ListedCaseReport[]> },
): EpidemicCases {
  return new EpidemicCases(appCaseReports(ctx), listedCases);
}

/**
 * Cases: reports that open or upgrade a person's case, professionals' confirmations and case lists, and the rest of
 * a case's life (corrected, closed, revoked).
 */
export function setupCases(
  ctx: ModuleContext,
  deps: {
    readonly tracer: Pick<TraceScheduler, 'enqueue' | 'kick'>;
    readonly windowOf: (row: CaseDates) => { start: number; end: number };
    readonly users: UserDirectory;
    readonly audit: AuditService;
    /** Tracing's side of a correction, closure or revocation (removing risks, update notifications, staff stream). */
    readonly caseChanges: Pick<CaseChangesService, 'apply'>;
  },
) {
  const { db, bus, config } = ctx;
  const repository = new CasesRepository(db);
  const caseReports = new CaseReportsService(
    db,
    repository,
    deps.tracer,
    config.timeZone,
    bus,
    deps.windowOf,
    config.selfReports,
  );
  const lifeCycle = new CaseLifeCycleService(db, repository, deps.tracer, bus, deps.windowOf, deps.caseChanges);
  const cases = new CasesService(repository, caseReports, lifeCycle, deps.users, deps.audit, {
    timeZone: config.timeZone,
    maxOnsetAgeDays: MAX_ONSET_AGE_DAYS,
  });
  return {
    caseReports,
    routes: (app) => app.register(casesRoutes, { cases }),
  } satisfies ModuleParts & Record<string, unknown>;
}
