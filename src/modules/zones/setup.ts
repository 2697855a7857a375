import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { AlertsService } from '../alerts/service.js';
import type { AuditService } from '../audit/service.js';
import type { EpidemicCases } from '../cases/epidemic-cases.js';
import { MAX_OBSERVATION_MS } from '../interactions/model.js';
import { ZonesRepository } from './repository.js';
import { zonesRoutes } from './routes.js';
import { ZoneScanner } from './scanner.js';
import { ZonesService } from './service.js';

/**
 * Infection zones: exposure sites, and the cluster scan, rerun as cases arrive; a newly significant cluster raises
 * an alert.
 */
export function setupZones(
  { db, dialect, bus, config, log }: ModuleContext,
  deps: { readonly alerts: AlertsService; readonly audit: AuditService; readonly epidemic: EpidemicCases },
) {
  const rules = { h3Resolution: config.h3Resolution, maxDurationMs: MAX_OBSERVATION_MS };
  const zones = new ZonesService(new ZonesRepository(db, dialect), deps.alerts, deps.audit, rules);
  const zoneScanner = new ZoneScanner(deps.epidemic, zones, bus, log, {
    settings: {
      resolution: config.zones.scanResolution,
      days: config.zones.scanDays,
      maxRings: config.zones.scanMaxRings,
      maxDurationDays: config.zones.scanMaxDurationDays,
      replications: config.zones.scanReplications,
      seed: config.zones.scanSeed,
      minCases: config.zones.scanMinCases,
      alertRecurrenceDays: config.zones.alertRecurrenceDays,
    },
    timeZone: config.timeZone,
    debounceMs: config.zones.scanDebounceMs,
    intervalMs: config.zones.scanIntervalMs,
  });
  return {
    zoneScanner,
    routes: (app) => app.register(zonesRoutes, { zones }),
    start: () => zoneScanner.start(),
    stop: () => zoneScanner.stop(),
  } satisfies ModuleParts & Record<string, unknown>;
}
