import { addDays, calendarDay, MS_PER_DAY } from '../../platform/time/calendar.js';
import type { RetentionRepository } from './repositories/retention-repository.js';

export interface RetentionTargets {
  readonly tracing: RetentionRepository;
  /** Deletes proximity tokens that stopped being valid before the cutoff; returns how many. */
  deleteTokensOlderThan(cutoffMs: number): Promise<number>;
  /** PostgreSQL: drops the daily partitions wholly before the cutoff; returns their names. */
  dropPartitionsBefore?(cutoffMs: number): Promise<string[]>;
}

export interface RetentionResult {
  readonly interactions: number;
  readonly proximity_tokens: number;
  readonly exposure_days: number;
  readonly partitions_dropped?: number;
}

/**
 * Deletes what is older than the retention period: observations (with their presence index rows and the
 * exposure risks computed on them), proximity tokens and per-day exposure totals.
 */
export async function purgeExpired(
  targets: RetentionTargets,
  now: number,
  retentionDays: number,
  timeZone: string,
): Promise<RetentionResult> {
  const cutoff = now - retentionDays * MS_PER_DAY;
  // A partition holds observations that started that day and may last up to a day: keep one more day of them.
  const dropped = targets.dropPartitionsBefore ? await targets.dropPartitionsBefore(cutoff - MS_PER_DAY) : undefined;
  const interactions = await targets.tracing.deleteInteractionsEndedBefore(cutoff);
  const proximityTokens = await targets.deleteTokensOlderThan(cutoff);
  const exposureDays = await targets.tracing.deleteExposureDaysBefore(
    addDays(calendarDay(now, timeZone), -retentionDays),
  );
  return {
    interactions,
    proximity_tokens: proximityTokens,
    exposure_days: exposureDays,
    ...(dropped ? { partitions_dropped: dropped.length } : {}),
  };
}
