import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database } from '../../platform/db/tables.js';
import { parseJob, type TraceJob, type TraceJobsRepository } from './repositories/trace-jobs-repository.js';
import type { TraceOutcome, TracingService } from './service.js';

export interface TraceWorkerOptions {
  /** A claimed job not finished within this time is taken over (its worker died). */
  readonly leaseMs: number;
  /** How often waiting jobs are looked for (jobs created by this process run at once). */
  readonly sweepMs: number;
}

/** A job written by this process, already claimed by its worker: what `kick` needs to run it without a read. */
export interface ScheduledJob {
  readonly id: string;
  readonly job: TraceJob;
}

/** Upload matches run together when they queue up: one pass over the active cases for all of them. */
const MAX_MATCH_BATCH = 200;
/** Most jobs claimed and waiting to run in this process: a sweep claims no more until half have run. */
const MAX_QUEUED = 100;

/**
 * Runs trace jobs one at a time in this process: at once for jobs this process created (`kick`), and on a
 * timer for any job left waiting (created by a process that stopped, or that failed and is retried). Uploads
 * that arrive while a job runs are matched together afterwards, as one batch.
 */
export class TraceWorker {
  readonly id = `worker-${randomUUID()}`;
  private chain: Promise<void> = Promise.resolve();
  private readonly pendingMatches: Array<ScheduledJob & { readonly job: Extract<TraceJob, { kind: 'match_upload' }> }> =
    [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private sweeping: Promise<void> | undefined;
  private sweepAgain = false;
  private sweepWhenRoom = false;
  private queued = 0;
  private completed = 0;

  constructor(
    private readonly jobs: TraceJobsRepository,
    private readonly tracing: TracingService,
    private readonly log: FastifyBaseLogger,
    private readonly options: TraceWorkerOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.options.sweepMs);
    this.timer.unref();
    void this.sweep();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.chain;
  }

  /** Runs a job this process just created (claimed by this worker), after the jobs already queued here. */
  kick(scheduled: ScheduledJob): void {
    const { id, job } = scheduled;
    this.queued += 1;
    if (job.kind === 'trace_case') {
      this.enqueue(() => this.runClaimed([id], () => this.tracing.traceCase(job.caseId), job.kind));
      return;
    }
    this.pendingMatches.push({ id, job });
    if (this.pendingMatches.length === 1) this.enqueue(() => this.runMatches());
  }

  /** Resolves when every job queued in this process so far has finished (tests, benchmarks). */
  idle(): Promise<void> {
    return this.chain;
  }

  get jobsCompleted(): number {
    return this.completed;
  }

  /**
   * Claims the jobs waiting in the table (or left by a process that stopped) and queues them here; match jobs run
   * together. A sweep asked for while one is running runs again after it (a trace runner is woken per upload).
   */
  async sweep(): Promise<void> {
    if (this.stopped) return;
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        try {
          // Claimed jobs wait here, under a lease: no more are claimed than can run well within it.
          const room = MAX_QUEUED - this.queued;
          if (room <= 0) {
            this.sweepWhenRoom = true;
            break;
          }
          const rows = await this.jobs.claimBatch(this.id, Date.now(), this.options.leaseMs, room);
          for (const row of rows) this.kick({ id: row.id, job: parseJob(row) });
        } catch (error) {
          this.log.error({ err: error }, 'trace job sweep failed');
        }
      } while (this.sweepAgain && !this.stopped);
    })();
    try {
      await this.sweeping;
    } finally {
      this.sweeping = undefined;
    }
  }

  private enqueue(task: () => Promise<unknown>): void {
    this.chain = this.chain.then(task).then(
      () => undefined,
      (error: unknown) => this.log.error({ err: error }, 'trace job crashed'),
    );
  }

  private async runMatches(): Promise<void> {
    const batch = this.pendingMatches.splice(0, MAX_MATCH_BATCH);
    if (this.pendingMatches.length > 0) this.enqueue(() => this.runMatches());
    if (batch.length === 0) return;
    await this.runClaimed(
      batch.map((b) => b.id),
      () => this.tracing.matchUploads(batch.map((b) => b.job)),
      'match_upload',
    );
  }

  private async runClaimed(
    jobIds: readonly string[],
    work: () => Promise<TraceOutcome>,
    kind: TraceJob['kind'],
  ): Promise<void> {
    try {
      await this.runNow(jobIds, work, kind);
    } finally {
      this.queued -= jobIds.length;
      if (this.sweepWhenRoom && this.queued <= MAX_QUEUED / 2) {
        this.sweepWhenRoom = false;
        void this.sweep();
      }
    }
  }

  private async runNow(
    jobIds: readonly string[],
    work: () => Promise<TraceOutcome>,
    kind: TraceJob['kind'],
  ): Promise<void> {
    if (this.stopped) return; // claimed: another process takes them over after the lease
    // Let the request that queued this job be answered first: with SQLite every query runs on this thread, so a
    // job started in the same tick would hold the answer back until it finished.
    await new Promise((resolve) => setImmediate(resolve));
    const started = performance.now();
    try {
      const outcome = await work();
      await this.jobs.completeMany(jobIds);
      this.completed += jobIds.length;
      this.log.info(
        { job: kind, jobs: jobIds.length, ms: Math.round(performance.now() - started), ...outcome },
        'trace job done',
      );
    } catch (error) {
      this.log.error({ err: error, jobs: jobIds }, 'trace job failed; it will be retried');
      const message = error instanceof Error ? error.message : String(error);
      for (const id of jobIds) await this.jobs.fail(id, message);
    }
  }
}

/** Bus channel on which server processes that leave their trace jobs to runners tell the runners to sweep. */
export const TRACE_JOBS_CHANNEL = 'trace-jobs';

/**
 * Tells trace runner processes that jobs are waiting. Rings once per turn of the event loop however many jobs were
 * written in it; a ring that is lost (Redis down) only delays the jobs until a runner's periodic sweep.
 */
export class TraceRunnerDoorbell {
  private pending = false;

  constructor(
    private readonly bus: EventBus,
    private readonly log: FastifyBaseLogger,
  ) {}

  ring(): void {
    if (this.pending) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      this.bus
        .publish(TRACE_JOBS_CHANNEL, {})
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'could not wake the trace runners; their sweep will find the jobs'),
        );
    });
  }
}

/**
 * What use cases need to start tracing: a job written in their own transaction, run once they commit — by this
 * process's worker, or, given a doorbell, by a trace runner process (the job is written unclaimed and the runners
 * are woken), so that no request of this process waits behind a trace.
 */
export class TraceScheduler {
  constructor(
    private readonly jobs: TraceJobsRepository,
    private readonly worker: TraceWorker,
    private readonly runners?: TraceRunnerDoorbell,
  ) {}

  /** Writes the job in the caller's transaction; `kick` it once that commits. */
  async enqueue(trx: Kysely<Database>, job: TraceJob): Promise<ScheduledJob> {
    const [scheduled] = await this.enqueueMany(trx, [job]);
    return scheduled!;
  }

  /** Several jobs written in one statement of the caller's transaction; `kick` each once that commits. */
  async enqueueMany(trx: Kysely<Database>, jobs: readonly TraceJob[]): Promise<ScheduledJob[]> {
    const ids = await this.jobs.enqueueMany(trx, jobs, Date.now(), this.runners === undefined ? this.worker.id : null);
    return jobs.map((job, index) => ({ id: ids[index]!, job }));
  }

  kick(scheduled: ScheduledJob): void {
    if (this.runners === undefined) this.worker.kick(scheduled);
    else this.runners.ring();
  }
}
