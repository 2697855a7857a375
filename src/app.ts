import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import helmet from '@fastify/helmet';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import type { Config } from './config/index.js';
import { Problem } from './contracts/common.js';
import { setupAccess } from './modules/access/setup.js';
import { setupAlerts } from './modules/alerts/setup.js';
import { setupAnalytics } from './modules/analytics/setup.js';
import { setupAudit } from './modules/audit/setup.js';
import { caseManagementFacts, epidemicCases, setupCases } from './modules/cases/setup.js';
import { setupExposureRisks } from './modules/exposure-risks/setup.js';
import { setupHealth } from './modules/health/setup.js';
import { setupInteractions } from './modules/interactions/setup.js';
import { listedCaseReports, setupLineList } from './modules/line-list/setup.js';
import { setupNotifications } from './modules/notifications/setup.js';
import { setupProximityTokens } from './modules/proximity-tokens/setup.js';
import { setupStaff } from './modules/staff/setup.js';
import { setupSymptoms } from './modules/symptoms/setup.js';
import type { TracingService } from './modules/tracing/service.js';
import { setupTracing } from './modules/tracing/setup.js';
import type { TraceWorker } from './modules/tracing/worker.js';
import { setupUsers } from './modules/users/setup.js';
import { setupVenues } from './modules/venues/setup.js';
import { setupVerificationCodes } from './modules/verification-codes/setup.js';
import { setupWeb } from './modules/web/setup.js';
import { setupZones } from './modules/zones/setup.js';
import type { ModuleContext, ModuleParts } from './platform/app/module.js';
import type { EventBus } from './platform/bus/event-bus.js';
import { MemoryBus } from './platform/bus/memory-bus.js';
import { RedisBus } from './platform/bus/redis-bus.js';
import { resolveSecrets } from './platform/crypto/secrets.js';
import { StaffTokens } from './platform/crypto/staff-tokens.js';
import { openConfiguredDatabase } from './platform/db/configured.js';
import type { DatabaseHandle } from './platform/db/connect.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { dropDailyPartitionsBefore, ensureDailyPartitions } from './platform/db/partitions.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { principalPlugin, rejectInvalidTokens } from './platform/http/principal.js';
import { registerProblemHandlers } from './platform/http/problem.js';
import { registerRateLimit } from './platform/http/rate-limit.js';
import { refuseWhileClosing } from './platform/http/refuse-while-closing.js';
import { registerValidators } from './platform/http/validation.js';
import { RedisLeases } from './platform/jobs/lease.js';
import { type PeriodicTask, startPeriodicTasks } from './platform/jobs/periodic.js';
import { loggerOptions } from './platform/observability/logger.js';
import { registerMetrics } from './platform/observability/metrics.js';
import { closeWebSocketsGoingAway } from './platform/realtime/hub.js';
import { MS_PER_DAY } from './platform/time/calendar.js';

export const VERSION = '0.1.0';
const PARTITIONS_EVERY_MS = 3_600_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs trace jobs; tests and benchmarks wait on `traceWorker.idle()`. */
    traceWorker: TraceWorker;
    /** The tracing engine (benchmarks time `tracing.traceCase`). */
    tracing: TracingService;
    /** How many staff accounts exist (the start-up banner tells an operator how to create the first). */
    staffAccountCount: () => Promise<number>;
  }
}

export interface BuildOptions {
  /** Use this database instead of opening one from the configuration (tests). */
  readonly database?: DatabaseHandle;
  /** Use this event bus instead of one from the configuration (tests); closed with the app. */
  readonly bus?: EventBus;
  /** This process is a trace runner: it runs the trace jobs other processes leave (TRACE_JOBS=runners). */
  readonly traceRunner?: boolean;
  /**
   * Run the background work: the trace job sweeper, the streaming analytics, the zone scan, the webhook dispatcher
   * and the periodic tasks (default true). A process that only holds real-time streams (`serve --stream-workers`)
   * leaves it to the server processes; the trace jobs it writes itself, if any, it still runs.
   */
  readonly background?: boolean;
  /** Pino options or false; defaults to JSON logs at the configured level. */
  readonly logger?: boolean | Record<string, unknown>;
}

/** Builds the whole server: platform plugins, then every module, each wired by its own setup. Migrates first. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const database = options.database ?? openConfiguredDatabase(config);
  await migrateToLatest(database);
  const { cipher, tokenSecret } = resolveSecrets(config);
  const staffTokens = new StaffTokens(tokenSecret, config.staffTokenTtlSeconds);
  const redis =
    config.redisUrl === undefined
      ? undefined
      : new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  // Cross-process fan-out over Redis when configured, in-process otherwise.
  const bus: EventBus =
    options.bus ?? (config.redisUrl === undefined ? new MemoryBus() : new RedisBus({ url: config.redisUrl }));
  const background = options.background !== false;

  const app = Fastify({
    logger: options.logger ?? loggerOptions(config),
    bodyLimit: config.bodyLimitBytes,
    // Fastify accepts a hop count too (proxy-addr), though its types omit it.
    trustProxy: config.trustProxy as boolean | string,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // Refused during shutdown with a problem+json 503 instead (refuseWhileClosing).
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // ioredis reconnects by itself; without a listener each failed attempt would print a stack trace to stderr.
  redis?.on('error', (error: Error) => app.log.warn({ err: error }, 'Redis connection error; reconnecting'));
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  refuseWhileClosing(app);
  // Everything that must stop when the server closes, in this order (background work before the database).
  const closers: Array<() => Promise<unknown>> = [];
  app.addHook('onClose', async () => {
    for (const close of closers) await close();
    await bus.close();
    await database.close();
    if (redis) await redis.quit().catch(() => redis.disconnect());
  });

  // JSON only: no text/plain bodies reach a handler.
  app.removeContentTypeParser('text/plain');
  registerValidators(app);
  registerProblemHandlers(app);
  app.addSchema(Problem);
  // HSTS and upgrade-insecure-requests belong to the TLS-terminating proxy; here they would break plain-HTTP use.
  await app.register(helmet, {
    global: true,
    hsts: false,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  const metrics = registerMetrics(app);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 }, preClose: closeWebSocketsGoingAway });

  // The modules, each built by its own setup from the ones it depends on.
  const db = database.db;
  const ctx: ModuleContext = { db, dialect: database.dialect, bus, config, log: app.log };
  const postgres = database.dialect === 'postgres';
  const { audit } = setupAudit(ctx);
  const { access } = setupAccess({ cases: caseManagementFacts(ctx), audit });
  const users = setupUsers(ctx, { cipher, access });
  const staff = setupStaff(ctx, { staffTokens, audit });
  const notifications = setupNotifications(ctx);
  const proximityTokens = setupProximityTokens(ctx, { tokenSecret });
  const tracing = await setupTracing(ctx, {
    notifications: notifications.notifications,
    audit,
    deleteTokensOlderThan: (cutoff) => proximityTokens.proximityTokens.deleteOlderThan(cutoff),
    ...(postgres ? { dropPartitionsBefore: (cutoff: number) => dropDailyPartitionsBefore(db, cutoff) } : {}),
    traceRunner: options.traceRunner === true,
    background,
  });
  const interactions = setupInteractions(ctx, {
    access,
    peers: proximityTokens.proximityTokens,
    tracer: tracing.scheduler,
  });
  const cases = setupCases(ctx, {
    tracer: tracing.scheduler,
    windowOf: tracing.windowOf,
    users: users.directory,
    audit,
    caseChanges: tracing.caseChanges,
  });
  const symptoms = setupSymptoms(ctx, { caseReports: cases.caseReports });
  const exposureRisks = setupExposureRisks(ctx, { interactions: interactions.owners, access });
  const epidemic = epidemicCases(ctx, listedCaseReports(ctx));
  const analytics = setupAnalytics(ctx, { epidemic });
  const lineList = setupLineList(ctx, { analytics: analytics.engine });
  const alerts = setupAlerts(ctx);
  const zones = setupZones(ctx, { alerts: alerts.alerts, audit, epidemic });
  const venues = setupVenues(ctx, { tokenSecret });
  app.decorate('tracing', tracing.tracing);
  app.decorate('staffAccountCount', () => staff.staff.count());
  app.decorate('traceWorker', tracing.traceWorker);
  app.decorate('analytics', analytics.engine);
  app.decorate('zoneScanner', zones.zoneScanner);
  app.decorate('webhookDispatcher', alerts.webhookDispatcher);

  // Background work: started once the server is ready, stopped before the database closes.
  const withBackground: ModuleParts[] = [tracing, analytics, alerts, zones];
  const ensurePartitions = (now: number) =>
    ensureDailyPartitions(db, now - MS_PER_DAY, now + config.partitionDaysAhead * MS_PER_DAY);
  // Partitions from yesterday to the coming days exist before the first upload can need them. (Observations
  // uploaded more than a day late land in the DEFAULT partition and are deleted row by row by retention.)
  if (postgres) await ensurePartitions(Date.now());
  const periodic: PeriodicTask[] = [
    ...withBackground.flatMap((module) => module.periodic ?? []),
    ...(postgres ? [{ name: 'partitions', everyMs: PARTITIONS_EVERY_MS, run: ensurePartitions }] : []),
  ];
  const stopPeriodic = !background
    ? async () => undefined
    : startPeriodicTasks(periodic, app.log, {
        // With several processes, one of them (the lease holder) runs each periodic task.
        ...(redis ? { leases: new RedisLeases(redis, `${hostname()}:${process.pid}:${randomUUID()}`) } : {}),
        leaseTtlMs: config.jobLeaseSeconds * 1000,
      });
  app.addHook('onReady', async () => tracing.start());
  if (background) {
    app.addHook('onReady', async () => {
      for (const module of [analytics, alerts, zones]) await module.start();
    });
  }
  closers.push(tracing.stopWakeUps, stopPeriodic, tracing.stop, analytics.stop, zones.stop, alerts.stop);

  await app.register(principalPlugin, {
    userForTokenHash: (hash) => users.users.userForTokenHash(hash),
    activeStaffRole: (id) => staff.staff.activeRole(id),
    staffTokens,
  });
  await registerRateLimit(app, {
    max: config.rateLimitMax,
    windowMs: config.rateLimitWindowMs,
    ...(redis ? { redis } : {}),
  });
  rejectInvalidTokens(app);
  await registerOpenApi(app, VERSION);

  const health = setupHealth({
    metrics,
    checks: { database: () => database.ping(), ...(redis ? { redis: async () => void (await redis.ping()) } : {}) },
  });
  const withRoutes: ModuleParts[] = [
    health,
    users,
    staff,
    interactions,
    proximityTokens,
    symptoms,
    exposureRisks,
    cases,
    setupVerificationCodes(ctx, { tokenSecret, caseReports: cases.caseReports, audit }),
    notifications,
    tracing,
    analytics,
    lineList,
    zones,
    alerts,
    venues,
    setupWeb(),
  ];
  for (const module of withRoutes) await module.routes?.(app);
  return app;
}
