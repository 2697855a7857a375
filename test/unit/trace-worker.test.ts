import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { TraceJob, TraceJobsRepository } from '../../src/modules/tracing/repositories/trace-jobs-repository.js';
import type { TraceOutcome, TracingService } from '../../src/modules/tracing/service.js';
import { TraceWorker } from '../../src/modules/tracing/worker.js';

type Match = Extract<TraceJob, { kind: 'match_upload' }>;
const OUTCOME: TraceOutcome = { risks: 0, notifications: 0, contacts: 0 };

/** The worker's scheduling, against recording stand-ins for the job table and the tracing service. */
function workerWith(behaviour: { failMatches?: boolean } = {}) {
  const calls: string[] = [];
  const jobs = {
    completeMany: async (ids: readonly string[]) => void calls.push(`complete ${ids.join(',')}`),
    fail: async (id: string, error: string) => void calls.push(`fail ${id}: ${error}`),
    claim: async () => undefined,
    claimable: async () => [],
  } as unknown as TraceJobsRepository;
  let release: (() => void) | undefined;
  const tracing = {
    traceCase: async (caseId: string) => {
      calls.push(`trace ${caseId}`);
      // The first trace holds the worker until released, so uploads queue up behind it.
      if (caseId === 'slow') await new Promise<void>((resolve) => (release = resolve));
      return OUTCOME;
    },
    matchUploads: async (uploads: readonly Match[]) => {
      calls.push(`match ${uploads.map((u) => u.interactionIds.join('+')).join(',')}`);
      if (behaviour.failMatches) throw new Error('database gone');
      return OUTCOME;
    },
  } as unknown as TracingService;
  const worker = new TraceWorker(jobs, tracing, pino({ level: 'silent' }), { leaseMs: 60_000, sweepMs: 60_000 });
  return { worker, calls, release: () => release?.() };
}
const match = (id: string, ...interactionIds: string[]) => ({
  id,
  job: { kind: 'match_upload' as const, userId: `user-${id}`, interactionIds },
});

describe('the trace worker', () => {
  it('matches uploads that queued behind a running trace in one batch, then completes their jobs together', async () => {
    const { worker, calls, release } = workerWith();
    worker.kick({ id: 'j0', job: { kind: 'trace_case', caseId: 'slow' } });
    await vi.waitFor(() => expect(calls).toEqual(['trace slow']));
    worker.kick(match('j1', 'a', 'b'));
    worker.kick(match('j2', 'c'));
    worker.kick({ id: 'j3', job: { kind: 'trace_case', caseId: 'next' } });
    worker.kick(match('j4', 'd'));
    release();
    await worker.idle();
    await worker.idle();
    expect(calls).toEqual([
      'trace slow',
      'complete j0',
      'match a+b,c,d',
      'complete j1,j2,j4',
      'trace next',
      'complete j3',
    ]);
    expect(worker.jobsCompleted).toBe(5);
  });

  it('a failed batch leaves every job of it to be retried, with the error', async () => {
    const { worker, calls } = workerWith({ failMatches: true });
    worker.kick(match('j1', 'a'));
    worker.kick(match('j2', 'b'));
    await worker.idle();
    await worker.idle();
    expect(calls).toEqual(['match a,b', 'fail j1: database gone', 'fail j2: database gone']);
    expect(worker.jobsCompleted).toBe(0);
  });
});
