import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database } from '../../platform/db/tables.js';
import type { EpidemicCases } from '../cases/epidemic-cases.js';
import { AnalyticsEngine } from './engine.js';
import { PUBLIC_CELL_RESOLUTION } from './model.js';
import { AnalyticsRepository } from './repository.js';
import { AnalyticsService } from './service.js';

/** Days the engine recomputes at start and after a lost bus connection. */
const CATCH_UP_DAYS = 28;

/** The analytics engine and the analytics reads, wired to one database, bus and count of the epidemic's cases. */
export function createAnalytics(db: Kysely<Database>, bus: EventBus, epidemic: EpidemicCases, config: Pick<Config, 'timeZone' | 'h3Resolution' | 'publicMinCases' | 'analyticsSettleMs'>, log: FastifyBaseLogger) {
  const repository = new AnalyticsRepository(db);
  const publicCellResolution = Math.min(PUBLIC_CELL_RESOLUTION, config.h3Resolution);
  const engine = new AnalyticsEngine(repository, epidemic, bus, { timeZone: config.timeZone, publicCellResolution, catchUpDays: CATCH_UP_DAYS, settleMs: config.analyticsSettleMs }, log);
  const service = new AnalyticsService(repository, epidemic, { timeZone: config.timeZone, publicMinCases: config.publicMinCases, publicCellResolution });
  return { engine, service };
}
