import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { EpidemicCases } from '../cases/epidemic-cases.js';
import { AnalyticsEngine } from './engine.js';
import { PUBLIC_CELL_RESOLUTION } from './model.js';
import { AnalyticsRepository } from './repository.js';
import { analyticsRoutes } from './routes.js';
import { AnalyticsService } from './service.js';

/** Days the engine recomputes at start and after a lost bus connection. */
const CATCH_UP_DAYS = 28;

/**
 * Analytics: the streaming engine (every domain event updates the day rows it touches) and the reads over it
 * (case curve, Rt, notification outcomes, public aggregates).
 */
export function setupAnalytics({ db, bus, config, log }: ModuleContext, deps: { readonly epidemic: EpidemicCases }) {
  const repository = new AnalyticsRepository(db);
  const publicCellResolution = Math.min(PUBLIC_CELL_RESOLUTION, config.h3Resolution);
  const engine = new AnalyticsEngine(
    repository,
    deps.epidemic,
    bus,
    { timeZone: config.timeZone, publicCellResolution, catchUpDays: CATCH_UP_DAYS, settleMs: config.analyticsSettleMs },
    log,
  );
  const analytics = new AnalyticsService(repository, deps.epidemic, {
    timeZone: config.timeZone,
    publicMinCases: config.publicMinCases,
    publicCellResolution,
  });
  return {
    engine,
    routes: (app) => app.register(analyticsRoutes, { analytics }),
    start: () => engine.start(),
    stop: () => engine.stop(),
  } satisfies ModuleParts & Record<string, unknown>;
}
