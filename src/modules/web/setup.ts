import { fileURLToPath } from 'node:url';
import type { ModuleParts } from '../../platform/app/module.js';
import { webRoutes } from './routes.js';

/** The residents' app (/app/) and the staff dashboard (/dashboard/), compiled from web/. */
export function setupWeb() {
  const webDir = fileURLToPath(new URL('../../../web/', import.meta.url));
  return { routes: (app) => app.register(webRoutes, { webDir, minify: true }) } satisfies ModuleParts;
}
