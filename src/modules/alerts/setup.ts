import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import { AlertsRepository } from './repository.js';
import { alertsRoutes } from './routes.js';
import { AlertsService } from './service.js';
import { WebhookDispatcher } from './webhooks.js';

/** Alerts to authorities: an outbox pushed to their stream and POSTed (signed, retried) to the configured webhooks. */
export function setupAlerts({ db, bus, config, log }: ModuleContext) {
  const repository = new AlertsRepository(db);
  const webhookDispatcher = new WebhookDispatcher(
    repository,
    {
      secret: config.webhooks.secret,
      timeoutMs: config.webhooks.timeoutMs,
      retry: { baseMs: config.webhooks.retryBaseMs, maxMs: config.webhooks.retryMaxMs },
      giveUpMs: config.webhooks.giveUpHours * 3_600_000,
    },
    log,
  );
  const alerts = new AlertsService(repository, bus, config.webhooks.urls, log, webhookDispatcher);
  return {
    alerts,
    webhookDispatcher,
    routes: (app) => app.register(alertsRoutes, { alerts, bus }),
    start: () => webhookDispatcher.start(),
    stop: () => webhookDispatcher.stop(),
  } satisfies ModuleParts & Record<string, unknown>;
}
