import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { AccessService } from '../access/service.js';
import type { TraceScheduler } from '../tracing/worker.js';
import { MAX_OBSERVATION_MS } from './model.js';
import { InteractionsRepository } from './repository.js';
import { interactionsRoutes } from './routes.js';
import { InteractionsService } from './service.js';

/** What phones upload (location stays, check-ins, Bluetooth encounters), matched against active cases on arrival. */
export function setupInteractions(
  { db, config }: ModuleContext,
  deps: {
    readonly access: AccessService;
    readonly peers: { resolve(observed: ReadonlyArray<{ token: string; at: number }>): Promise<Map<string, string>> };
    readonly tracer: Pick<TraceScheduler, 'enqueueMany' | 'kick'>;
  },
) {
  const repository = new InteractionsRepository(db);
  const rules = {
    h3Resolution: config.h3Resolution,
    timeBucketMinutes: config.timeBucketMinutes,
    retentionDays: config.retentionDays,
    maxClockSkewMs: config.maxClockSkewSeconds * 1000,
    maxDurationMs: MAX_OBSERVATION_MS,
  };
  const interactions = new InteractionsService(repository, deps.access, rules, deps.peers, deps.tracer);
  return {
    /** Who recorded an interaction, for the modules that only need that. */
    owners: repository,
    routes: (app) => app.register(interactionsRoutes, { interactions }),
  } satisfies ModuleParts & Record<string, unknown>;
}
