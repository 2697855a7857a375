import type { Registry } from 'prom-client';
import type { ModuleParts } from '../../platform/app/module.js';
import { healthRoutes } from './routes.js';

/** Liveness, readiness (each dependency checked) and Prometheus metrics. */
export function setupHealth(deps: {
  readonly metrics: Registry;
  readonly checks: Record<string, () => Promise<void>>;
}) {
  return { routes: (app) => app.register(healthRoutes, deps) } satisfies ModuleParts;
}
