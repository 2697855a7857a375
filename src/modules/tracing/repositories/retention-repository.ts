import type { Kysely } from 'kysely';
import type { Database } from '../../../platform/db/tables.js';

/** Deletes what tracing keeps no longer than the retention period (see retention.ts). */
export class RetentionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Deletes observations that ended before the cutoff, with their presence rows and the exposure risks computed
   * on them. (On PostgreSQL whole days have gone already with their partitions; this removes the rest.)
   * The `timestamp` condition lets PostgreSQL skip every partition newer than the cutoff.
   */
  async deleteInteractionsEndedBefore(cutoffMs: number): Promise<number> {
    await this.db.deleteFrom('exposure_risks').where('episode_end', '<', cutoffMs).execute();
    await this.db
      .deleteFrom('presence_index')
      .where('started_at', '<', cutoffMs)
      .where('ended_at', '<', cutoffMs)
      .execute();
    const result = await this.db
      .deleteFrom('interactions')
      .where('timestamp', '<', cutoffMs)
      .where('ended_at', '<', cutoffMs)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes person-days before `day`. */
  async deleteExposureDaysBefore(day: string): Promise<number> {
    const result = await this.db.deleteFrom('exposure_days').where('date', '<', day).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
