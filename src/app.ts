import helmet from '@fastify/helmet';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Config } from './config/index.js';
import { Problem } from './contracts/common.js';
import type { EventBus } from './platform/bus/event-bus.js';
import { MemoryBus } from './platform/bus/memory-bus.js';
import { RedisBus } from './platform/bus/redis-bus.js';
import { resolveSecrets } from './platform/crypto/secrets.js';
import { StaffTokens } from './platform/crypto/staff-tokens.js';
import { openDatabase, sqliteFileIn, type DatabaseHandle } from './platform/db/connect.js';
import { migrateToLatest } from './platform/db/migrate.js';
import { dropDailyPartitionsBefore, ensureDailyPartitions } from './platform/db/partitions.js';
import { registerOpenApi } from './platform/http/openapi.js';
import { principalPlugin, rejectInvalidTokens } from './platform/http/principal.js';
import { registerProblemHandlers } from './platform/http/problem.js';
import { registerRateLimit } from './platform/http/rate-limit.js';
import { registerValidators } from './platform/http/validation.js';
import { registerMetrics } from './platform/observability/metrics.js';
import { closeWebSocketsGoingAway } from './platform/realtime/hub.js';
import { AccessService } from './modules/access/service.js';
import { analyticsRoutes } from './modules/analytics/routes.js';
import { createAnalytics } from './modules/analytics/setup.js';
import { lineListRoutes } from './modules/line-list/routes.js';
import { AlertsRepository } from './modules/alerts/repository.js';
import { alertsRoutes } from './modules/alerts/routes.js';
import { AlertsService } from './modules/alerts/service.js';
import { WebhookDispatcher } from './modules/alerts/webhooks.js';
import { EpidemicCases } from './modules/cases/epidemic-cases.js';
import { LineListRepository } from './modules/line-list/repository.js';
import { LineListService } from './modules/line-list/service.js';
import { ZonesRepository } from './modules/zones/repository.js';
import { zonesRoutes } from './modules/zones/routes.js';
import { ZoneScanner } from './modules/zones/scanner.js';
import { ZonesService } from './modules/zones/service.js';
import { AuditRepository } from './modules/audit/repository.js';
import { AuditService } from './modules/audit/service.js';
import { CaseReportsService } from './modules/cases/case-reports-service.js';
import { CasesRepository } from './modules/cases/repository.js';
import { casesRoutes } from './modules/cases/routes.js';
import { CasesService } from './modules/cases/service.js';
import { ExposureRisksRepository } from './modules/exposure-risks/repository.js';
import { exposureRisksRoutes } from './modules/exposure-risks/routes.js';
import { ExposureRisksService } from './modules/exposure-risks/service.js';
import { healthRoutes } from './modules/health/routes.js';
import { InteractionsRepository } from './modules/interactions/repository.js';
import { interactionsRoutes } from './modules/interactions/routes.js';
import { InteractionsService } from './modules/interactions/service.js';
import { ProximityTokensRepository } from './modules/proximity-tokens/repository.js';
import { proximityTokensRoutes } from './modules/proximity-tokens/routes.js';
import { ProximityTokensService } from './modules/proximity-tokens/service.js';
import { NotificationsRepository } from './modules/notifications/repository.js';
import { notificationsRoutes } from './modules/notifications/routes.js';
import { NotificationsService } from './modules/notifications/service.js';
import { CaseContactsService } from './modules/tracing/contacts-service.js';
import { StaffStreamService } from './modules/tracing/staff-stream.js';
import { TraceJobsRepository } from './modules/tracing/jobs.js';
import { ringsForRadius } from './modules/tracing/matching.js';
import { TracingRepository } from './modules/tracing/repository.js';
import { purgeExpired } from './modules/tracing/retention.js';
import { DEFAULT_RISK_MODEL } from './modules/tracing/risk-model.js';
import { tracingRoutes } from './modules/tracing/routes.js';
import { caseWindowMs, TracingService } from './modules/tracing/service.js';
import { TRACE_JOBS_CHANNEL, TraceRunnerDoorbell, TraceScheduler, TraceWorker } from './modules/tracing/worker.js';
import { RedisLeases } from './platform/jobs/lease.js';
import { startPeriodicTasks } from './platform/jobs/periodic.js';
import { StaffRepository } from './modules/staff/repository.js';
import { staffRoutes } from './modules/staff/routes.js';
import { StaffService } from './modules/staff/service.js';
import { SymptomsRepository } from './modules/symptoms/repository.js';
import { symptomsRoutes } from './modules/symptoms/routes.js';
import { SymptomsService } from './modules/symptoms/service.js';
import { UsersRepository } from './modules/users/repository.js';
import { usersRoutes } from './modules/users/routes.js';
import { UsersService } from './modules/users/service.js';
import { VenuesRepository } from './modules/venues/repository.js';
import { venuesRoutes } from './modules/venues/routes.js';
import { VenuesService } from './modules/venues/service.js';
import { webRoutes } from './modules/web/routes.js';
import { MS_PER_DAY } from './platform/time/calendar.js';

export const VERSION = '0.1.0';
const MAX_ONSET_AGE_DAYS = 60;
const MAX_OBSERVATION_MS = 24 * 3_600_000;
const RETENTION_EVERY_MS = 3_600_000;

declare module 'fastify' {
  interface FastifyInstance {
    /** Runs trace jobs; tests and benchmarks wait on `traceWorker.idle()`. */
    traceWorker: TraceWorker;
    /** The tracing engine (benchmarks time `tracing.traceCase`). */
    tracing: TracingService;
  }
}

export interface BuildOptions {
  /** Use this database instead of opening one from the configuration (tests). */
  readonly database?: DatabaseHandle;
  /** Use this event bus instead of one from the configuration (tests); closed with the app. */
  readonly bus?: EventBus;
  /** This process is a trace runner: it runs the trace jobs other processes leave (TRACE_JOBS=runners), woken over the bus. */
  readonly traceRunner?: boolean;
  /**
   * Run the background work: the trace job sweeper, the streaming analytics, the zone scan, the webhook dispatcher and
   * the periodic tasks (default true). A process that only holds real-time streams (`serve --stream-workers`) leaves
   * it to the server processes; the trace jobs it writes itself, if any, it still runs.
   */
  readonly background?: boolean;
  /** Pino options or false; defaults to JSON logs at the configured level. */
  readonly logger?: boolean | Record<string, unknown>;
}

export function openConfiguredDatabase(config: Config): DatabaseHandle {
  return config.dialect === 'postgres'
    ? openDatabase({ dialect: 'postgres', databaseUrl: config.databaseUrl!, poolSize: config.dbPoolSize, schema: config.databaseSchema })
    : openDatabase({ dialect: 'sqlite', sqliteFile: sqliteFileIn(config.dataDir), sqliteCheckpointMs: config.sqliteCheckpointMs, sqliteBusyTimeoutMs: config.sqliteBusyTimeoutMs, sqliteCacheMib: config.sqliteCacheMib, sqliteMmapMib: config.sqliteMmapMib });
}

/** Builds the whole server: platform plugins, then every module's routes. Migrates the database first. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const database = options.database ?? openConfiguredDatabase(config);
  await migrateToLatest(database);
  const { cipher, tokenSecret } = resolveSecrets(config);
  const staffTokens = new StaffTokens(tokenSecret, config.staffTokenTtlSeconds);
  const redis = config.redisUrl === undefined ? undefined : new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
  // Cross-process fan-out over Redis when configured, in-process otherwise.
  const bus: EventBus = options.bus ?? (config.redisUrl === undefined ? new MemoryBus() : new RedisBus({ url: config.redisUrl }));

  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.cookie'] },
    bodyLimit: config.bodyLimitBytes,
    // Fastify accepts a hop count too (proxy-addr), though its types omit it.
    trustProxy: config.trustProxy as boolean | string,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ajv: { customOptions: { removeAdditional: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
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
  // HSTS and upgrade-insecure-requests belong to the TLS-terminating proxy; here they would break plain-HTTP local use.
  await app.register(helmet, { global: true, hsts: false, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  const metrics = registerMetrics(app);
  await app.register(websocket, { options: { maxPayload: 64 * 1024 }, preClose: closeWebSocketsGoingAway });

  const db = database.db;
  const usersRepository = new UsersRepository(db);
  const casesRepository = new CasesRepository(db);
  const interactionsRepository = new InteractionsRepository(db);
  const audit = new AuditService(new AuditRepository(db));
  const access = new AccessService(casesRepository, audit);
  const users = new UsersService(usersRepository, cipher, access, bus, app.log);
  const staff = new StaffService(new StaffRepository(db), staffTokens);
  const dateRules = { timeZone: config.timeZone, maxOnsetAgeDays: MAX_ONSET_AGE_DAYS };
  const notifications = new NotificationsService(new NotificationsRepository(db), bus, { timeZone: config.timeZone, log: app.log });
  const proximityTokens = new ProximityTokensService(new ProximityTokensRepository(db), tokenSecret);
  const tracingRepository = new TracingRepository(db);
  const traceJobs = new TraceJobsRepository(db);
  const tracing = new TracingService(db, tracingRepository, notifications, bus, {
    riskModel: DEFAULT_RISK_MODEL,
    timeZone: config.timeZone,
    bucketMinutes: config.timeBucketMinutes,
    rings: ringsForRadius(config.h3Resolution, DEFAULT_RISK_MODEL.gps.radiusMeters),
    maxDurationMs: MAX_OBSERVATION_MS,
  }, app.log);
  const traceWorker = new TraceWorker(traceJobs, tracing, app.log, { leaseMs: config.jobLeaseSeconds * 1000, sweepMs: 2_000 });
  app.decorate('traceWorker', traceWorker);
  // TRACE_JOBS=runners: jobs are left to trace runner processes; a runner (options.traceRunner) runs every process's.
  const doorbell = config.traceJobs === 'runners' && options.traceRunner !== true ? new TraceRunnerDoorbell(bus, app.log) : undefined;
  app.decorate('tracing', tracing);
  const interactions = new InteractionsService(interactionsRepository, access, {
    h3Resolution: config.h3Resolution,
    timeBucketMinutes: config.timeBucketMinutes,
    retentionDays: config.retentionDays,
    maxClockSkewMs: config.maxClockSkewSeconds * 1000,
    maxDurationMs: MAX_OBSERVATION_MS,
  }, proximityTokens, new TraceScheduler(traceJobs, traceWorker, doorbell));
  const caseReports = new CaseReportsService(db, casesRepository, new TraceScheduler(traceJobs, traceWorker, doorbell), config.timeZone, bus, (row) =>
    caseWindowMs(row, { riskModel: DEFAULT_RISK_MODEL, timeZone: config.timeZone }),
  );
  const background = options.background !== false;
  const stopPeriodic = !background ? async () => undefined : startPeriodicTasks([
    {
      name: 'retention',
      everyMs: RETENTION_EVERY_MS,
      run: (now) =>
        purgeExpired(
          {
            tracing: tracingRepository,
            deleteTokensOlderThan: (cutoff) => proximityTokens.deleteOlderThan(cutoff),
            ...(database.dialect === 'postgres' ? { dropPartitionsBefore: (cutoff: number) => dropDailyPartitionsBefore(db, cutoff) } : {}),
          },
          now,
          config.retentionDays,
          config.timeZone,
        ),
    },
    ...(database.dialect === 'postgres' ? [{ name: 'partitions', everyMs: RETENTION_EVERY_MS, run: (now: number) => ensurePartitions(db, now) }] : []),
  ], app.log, {
    // With several processes, one of them (the lease holder) runs each periodic task.
    ...(redis ? { leases: new RedisLeases(redis, `${hostname()}:${process.pid}:${randomUUID()}`) } : {}),
    leaseTtlMs: config.jobLeaseSeconds * 1000,
  });
  // Partitions from yesterday to the coming days exist before the first upload can need them. (Observations
  // uploaded more than a day late land in the DEFAULT partition and are deleted row by row by retention.)
  const ensurePartitions = (kysely: typeof db, now: number) =>
    ensureDailyPartitions(kysely, now - MS_PER_DAY, now + config.partitionDaysAhead * MS_PER_DAY);
  if (database.dialect === 'postgres') await ensurePartitions(db, Date.now());
  if (doorbell === undefined && background) app.addHook('onReady', async () => traceWorker.start());
  closers.push(stopPeriodic, () => traceWorker.stop());
  if (options.traceRunner === true) {
    const sweep = () => void traceWorker.sweep();
    const unsubscribe = await bus.subscribe(TRACE_JOBS_CHANNEL, sweep, { onResubscribed: sweep });
    closers.unshift(unsubscribe);
  }

  // Streaming analytics: every domain event updates the day rows it touches (app.analytics.idle() in tests).
  const epidemicCases = new EpidemicCases(casesRepository, new LineListRepository(db));
  const analytics = createAnalytics(db, bus, epidemicCases, config, app.log);
  const lineList = new LineListService(new LineListRepository(db), analytics.engine, { timeZone: config.timeZone, h3Resolution: config.h3Resolution }, app.log, bus);
  app.decorate('analytics', analytics.engine);
  if (background) app.addHook('onReady', async () => analytics.engine.start());
  closers.push(() => analytics.engine.stop());

  // Infection zones and alerts: the cluster scan reruns as cases arrive; a newly significant cluster raises an
  // alert (outbox), pushed to the authorities' stream and POSTed to the configured webhooks.
  const alertsRepository = new AlertsRepository(db);
  const webhookDispatcher = new WebhookDispatcher(alertsRepository, {
    secret: config.webhooks.secret,
    timeoutMs: config.webhooks.timeoutMs,
    retry: { baseMs: config.webhooks.retryBaseMs, maxMs: config.webhooks.retryMaxMs },
    giveUpMs: config.webhooks.giveUpHours * 3_600_000,
  }, app.log);
  const alerts = new AlertsService(alertsRepository, bus, config.webhooks.urls, app.log, webhookDispatcher);
  const zones = new ZonesService(new ZonesRepository(db, database.dialect), alerts, audit, { h3Resolution: config.h3Resolution, maxDurationMs: MAX_OBSERVATION_MS });
  const zoneScanner = new ZoneScanner(epidemicCases, zones, bus, app.log, {
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
  app.decorate('zoneScanner', zoneScanner);
  app.decorate('webhookDispatcher', webhookDispatcher);
  if (background) {
    app.addHook('onReady', async () => {
      webhookDispatcher.start();
      await zoneScanner.start();
    });
  }
  closers.push(() => zoneScanner.stop(), () => webhookDispatcher.stop());

  await app.register(principalPlugin, {
    userForTokenHash: (hash) => users.userForTokenHash(hash),
    activeStaffRole: (id) => staff.activeRole(id),
    staffTokens,
  });
  await registerRateLimit(app, { max: config.rateLimitMax, windowMs: config.rateLimitWindowMs, ...(redis ? { redis } : {}) });
  rejectInvalidTokens(app);
  await registerOpenApi(app, VERSION);

  const authRateLimit = { max: config.authRateLimitMax, windowMs: config.rateLimitWindowMs };
  await app.register(healthRoutes, {
    metrics,
    checks: { database: () => database.ping(), ...(redis ? { redis: async () => void (await redis.ping()) } : {}) },
  });
  await app.register(usersRoutes, { users, authRateLimit });
  await app.register(staffRoutes, { staff, authRateLimit });
  await app.register(interactionsRoutes, { interactions });
  await app.register(proximityTokensRoutes, { proximityTokens });
  await app.register(symptomsRoutes, { symptoms: new SymptomsService(new SymptomsRepository(db), caseReports, dateRules) });
  await app.register(exposureRisksRoutes, { exposureRisks: new ExposureRisksService(new ExposureRisksRepository(db), interactionsRepository, access) });
  await app.register(casesRoutes, { cases: new CasesService(casesRepository, caseReports, usersRepository, audit, dateRules) });
  await app.register(notificationsRoutes, { notifications, bus });
  await app.register(tracingRoutes, { contacts: new CaseContactsService(tracingRepository, audit), staffStream: new StaffStreamService(tracingRepository), bus });
  await app.register(analyticsRoutes, { analytics: analytics.service });
  await app.register(lineListRoutes, { lineList });
  await app.register(zonesRoutes, { zones });
  await app.register(alertsRoutes, { alerts, bus });
  await app.register(venuesRoutes, { venues: new VenuesService(new VenuesRepository(db)) });
  // The residents' app (/app/) and the staff dashboard (/dashboard/).
  await app.register(webRoutes, { webDir: fileURLToPath(new URL('../web/', import.meta.url)), minify: true });

  return app;
}
