import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../platform/db/tables.js';
import { parseJob, type TraceJob, type TraceJobsRepository } from './jobs.js';
import type { TraceOutcome, TracingService } from './service.js';

export interface TraceWorkerOptions {
  /** A claimed job not finished within this time is taken over (its worker died). */
  readonly leaseMs: number;
  /** How often waiting jobs are looked for (jobs created by this process run at once). */
  readonly sweepMs: number;
}

/**
 * Runs trace jobs one at a time in this process: at once for jobs this process created (`kick`), and on a
 * timer for any job left waiting (created by a process that stopped, or that failed and is retried).
 */
export class TraceWorker {
  readonly id = `worker-${randomUUID()}`;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
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

  /** Runs a job this process just created, after the jobs already queued here. */
  kick(jobId: string): void {
    this.enqueue(() => this.run(jobId));
  }

  /** Resolves when every job queued in this process so far has finished (tests, benchmarks). */
  idle(): Promise<void> {
    return this.chain;
  }

  get jobsCompleted(): number {
    return this.completed;
  }

  async sweep(): Promise<void> {
    if (this.stopped) return;
    try {
      const ids = await this.jobs.claimable(Date.now(), this.options.leaseMs, 50);
      for (const id of ids) this.enqueue(() => this.run(id));
    } catch (error) {
      this.log.error({ err: error }, 'trace job sweep failed');
    }
  }

  private enqueue(task: () => Promise<unknown>): void {
    this.chain = this.chain.then(task).then(
      () => undefined,
      (error: unknown) => this.log.error({ err: error }, 'trace job crashed'),
    );
  }

  private async run(jobId: string): Promise<TraceOutcome | undefined> {
    if (this.stopped) return undefined;
    const row = await this.jobs.claim(jobId, this.id, Date.now(), this.options.leaseMs);
    if (row === undefined) return undefined; // done or held by another worker
    const started = performance.now();
    try {
      const job = parseJob(row);
      const outcome = job.kind === 'trace_case' ? await this.tracing.traceCase(job.caseId) : await this.tracing.matchUpload(job.userId, job.interactionIds);
      await this.jobs.complete(jobId);
      this.completed += 1;
      this.log.info({ job: job.kind, ms: Math.round(performance.now() - started), ...outcome }, 'trace job done');
      return outcome;
    } catch (error) {
      this.log.error({ err: error, job: jobId }, 'trace job failed; it will be retried');
      await this.jobs.fail(jobId, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  }
}

/** What use cases need to start tracing: a job written in their own transaction, run once they commit. */
export class TraceScheduler {
  constructor(
    private readonly jobs: TraceJobsRepository,
    private readonly worker: TraceWorker,
  ) {}

  enqueue(trx: Kysely<Database>, job: TraceJob): Promise<string> {
    return this.jobs.enqueue(trx, job);
  }

  kick(jobId: string): void {
    this.worker.kick(jobId);
  }
}
