import type { ModuleContext, ModuleParts } from '../../platform/app/module.js';
import type { PeriodicTask } from '../../platform/jobs/periodic.js';
import type { AuditService } from '../audit/service.js';
import { MAX_OBSERVATION_MS } from '../interactions/model.js';
import type { NotificationsService } from '../notifications/service.js';
import { CaseContactsService } from './contacts-service.js';
import { ringsForRadius } from './matching.js';
import { RetentionRepository } from './repositories/retention-repository.js';
import { RisksRepository } from './repositories/risks-repository.js';
import { StaffEventsRepository } from './repositories/staff-events-repository.js';
import { TraceJobsRepository } from './repositories/trace-jobs-repository.js';
import { TracedCasesRepository } from './repositories/traced-cases-repository.js';
import { TracingRepository } from './repository.js';
import { purgeExpired } from './retention.js';
import { DEFAULT_RISK_MODEL } from './risk-model.js';
import { tracingRoutes } from './routes.js';
import { caseWindowMs, TracingService } from './service.js';
import { StaffStreamService } from './staff-stream.js';
import { TRACE_JOBS_CHANNEL, TraceRunnerDoorbell, TraceScheduler, TraceWorker } from './worker.js';

const RETENTION_EVERY_MS = 3_600_000;

/**
 * Contact tracing: the trace jobs (run here, or by trace runners with TRACE_JOBS=runners), the tracing engine, the
 * case contacts and case managers' stream routes, and retention of observations and exposure totals.
 */
export async function setupTracing(
  { db, bus, config, log }: ModuleContext,
  deps: {
    readonly notifications: NotificationsService;
    readonly audit: AuditService;
    /** Deletes proximity tokens that stopped being valid before the cutoff. */
    readonly deleteTokensOlderThan: (cutoffMs: number) => Promise<number>;
    /** PostgreSQL: drops the daily partitions wholly before the cutoff. */
    readonly dropPartitionsBefore?: (cutoffMs: number) => Promise<string[]>;
    /** This process is a trace runner: it runs every process's trace jobs, woken over the bus. */
    readonly traceRunner: boolean;
    /** This process runs background work (the job sweeper among it). */
    readonly background: boolean;
  },
) {
  const settings = {
    riskModel: DEFAULT_RISK_MODEL,
    timeZone: config.timeZone,
    bucketMinutes: config.timeBucketMinutes,
    rings: ringsForRadius(config.h3Resolution, DEFAULT_RISK_MODEL.gps.radiusMeters),
    maxDurationMs: MAX_OBSERVATION_MS,
  };
  const tracing = new TracingService(db, new TracingRepository(db), deps.notifications, bus, settings, log);
  const jobs = new TraceJobsRepository(db);
  const traceWorker = new TraceWorker(jobs, tracing, log, { leaseMs: config.jobLeaseSeconds * 1000, sweepMs: 2_000 });
  // TRACE_JOBS=runners: jobs are left to trace runner processes; a runner runs every process's.
  const doorbell = config.traceJobs === 'runners' && !deps.traceRunner ? new TraceRunnerDoorbell(bus, log) : undefined;
  const scheduler = new TraceScheduler(jobs, traceWorker, doorbell);

  const retention: PeriodicTask = {
    name: 'retention',
    everyMs: RETENTION_EVERY_MS,
    run: (now) =>
      purgeExpired(
        {
          tracing: new RetentionRepository(db),
          deleteTokensOlderThan: deps.deleteTokensOlderThan,
          ...(deps.dropPartitionsBefore ? { dropPartitionsBefore: deps.dropPartitionsBefore } : {}),
        },
        now,
        config.retentionDays,
        config.timeZone,
      ),
  };
  let unsubscribeRunner: (() => Promise<void>) | undefined;
  if (deps.traceRunner) {
    const sweep = () => void traceWorker.sweep();
    unsubscribeRunner = await bus.subscribe(TRACE_JOBS_CHANNEL, sweep, { onResubscribed: sweep });
  }
  const contacts = new CaseContactsService(new TracedCasesRepository(db), new RisksRepository(db), deps.audit);
  const staffStream = new StaffStreamService(new StaffEventsRepository(db));
  return {
    tracing,
    /** What the cases module asks of tracing when a case is corrected, closed or revoked. */
    caseChanges: tracing.caseChanges,
    traceWorker,
    scheduler,
    /** The infectious window of a case, stored with its report. */
    windowOf: (row: Parameters<typeof caseWindowMs>[0]) =>
      caseWindowMs(row, { riskModel: DEFAULT_RISK_MODEL, timeZone: config.timeZone }),
    periodic: [retention],
    routes: (app) => app.register(tracingRoutes, { contacts, staffStream, bus }),
    start: () => {
      if (doorbell === undefined && deps.background) traceWorker.start();
    },
    /** Stops taking runner wake-ups (first, before the periodic tasks stop), then the worker. */
    stopWakeUps: async () => unsubscribeRunner?.(),
    stop: () => traceWorker.stop(),
  } satisfies ModuleParts & Record<string, unknown>;
}
