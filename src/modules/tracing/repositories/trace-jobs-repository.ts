import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Row } from '../../../platform/db/tables.js';

/** A job that failed this many times stays in the table (with its last error) for an operator to look at. */
export const MAX_ATTEMPTS = 10;

export type TraceJob =
  | { readonly kind: 'trace_case'; readonly caseId: string }
  | {
      readonly kind: 'match_upload';
      readonly userId: string;
      readonly interactionIds: readonly string[];
      /**
       * The rows as the uploading process stored them, handed to its own worker so the match need not read them back
       * (never written to the table: a job swept from it reads them by id).
       */
      readonly stored?: readonly Row<'interactions'>[];
    };

/**
 * The trace job queue: a job is written in the same transaction as the report or upload that needs it,
 * so nothing is lost if the process stops before the work is done. A claimed job that is not finished
 * within the lease is claimed again (the holder died).
 */
export class TraceJobsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Writes a job; `claimedBy` writes it already claimed by that worker (the process that will run it at once), so
   * other processes' sweepers leave it alone for a lease and running it costs no claim.
   */
  async enqueue(
    trx: Kysely<Database>,
    job: TraceJob,
    now = Date.now(),
    claimedBy: string | null = null,
  ): Promise<string> {
    const [id] = await this.enqueueMany(trx, [job], now, claimedBy);
    return id!;
  }

  /** Writes several jobs in one statement; their ids in the same order. */
  async enqueueMany(
    trx: Kysely<Database>,
    jobs: readonly TraceJob[],
    now = Date.now(),
    claimedBy: string | null = null,
  ): Promise<string[]> {
    const ids = jobs.map(() => randomUUID());
    if (jobs.length === 0) return ids;
    await trx
      .insertInto('trace_jobs')
      .values(
        jobs.map((job, index) => ({
          id: ids[index]!,
          kind: job.kind,
          case_id: job.kind === 'trace_case' ? job.caseId : null,
          user_id: job.kind === 'match_upload' ? job.userId : null,
          payload: JSON.stringify(job.kind === 'match_upload' ? { interaction_ids: job.interactionIds } : {}),
          created_at: now,
          claimed_at: claimedBy === null ? null : now,
          claimed_by: claimedBy,
          attempts: claimedBy === null ? 0 : 1,
          last_error: null,
        })),
      )
      .execute();
    return ids;
  }

  /** Claims up to `limit` jobs waiting or whose lease expired, oldest first; a job goes to one claimer only. */
  async claimBatch(worker: string, now: number, leaseMs: number, limit: number): Promise<Row<'trace_jobs'>[]> {
    const ids = await this.claimable(now, leaseMs, limit);
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('trace_jobs')
      .set((eb) => ({ claimed_at: now, claimed_by: worker, attempts: eb('attempts', '+', 1) }))
      .where('id', 'in', ids)
      .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', now - leaseMs)]))
      .returningAll()
      .execute();
    return rows.sort((a, b) => a.created_at - b.created_at || a.id.localeCompare(b.id));
  }

  /** Ids of jobs waiting or whose lease expired, oldest first. */
  async claimable(now: number, leaseMs: number, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('trace_jobs')
      .select('id')
      .where((eb) => eb.or([eb('claimed_at', 'is', null), eb('claimed_at', '<', now - leaseMs)]))
      .where('attempts', '<', MAX_ATTEMPTS)
      .orderBy('created_at')
      .limit(limit)
      .execute();
    return rows.map((r) => r.id);
  }

  async complete(id: string): Promise<void> {
    await this.completeMany([id]);
  }

  async completeMany(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500)
      await this.db
        .deleteFrom('trace_jobs')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db
      .updateTable('trace_jobs')
      .set({ claimed_at: null, claimed_by: null, last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .execute();
  }

  async pending(): Promise<number> {
    const row = await this.db
      .selectFrom('trace_jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
}

export function parseJob(row: Row<'trace_jobs'>): TraceJob {
  if (row.kind === 'trace_case') return { kind: 'trace_case', caseId: row.case_id! };
  const payload = JSON.parse(row.payload) as { interaction_ids: string[] };
  return { kind: 'match_upload', userId: row.user_id!, interactionIds: payload.interaction_ids };
}
