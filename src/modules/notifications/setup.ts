import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { NotificationsRepository } from './repository.js';
import { notificationsRoutes } from './routes.js';
import { NotificationsService } from './service.js';

/** Exposure notifications: the outbox and its live streams (SSE, WebSocket) and polling. */
export function setupNotifications({ db, bus, config, log }: ModuleContext) {
  const notifications = new NotificationsService(new NotificationsRepository(db), bus, {
    timeZone: config.timeZone,
    log,
  });
  return {
    notifications,
    routes: (app) => app.register(notificationsRoutes, { notifications, bus }),
  } satisfies ModuleParts & Record<string, unknown>;
}
