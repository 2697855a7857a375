import { addDays, calendarDay } from './calendar.js';
import type { TracingRepository } from './repository.js';

const DAY_MS = 86_400_000;

export interface RetentionTargets {
  readonly tracing: TracingRepository;
  /** Deletes proximity tokens that stopped being valid before the cutoff; returns how many. */
  deleteTokensOlderThan(cutoffMs: number): Promise<number>;
}

export interface RetentionResult {
  readonly interactions: number;
  readonly proximity_tokens: number;
  readonly exposure_days: number;
}

/**
 * Deletes what is older than the retention period: observations (with their presence index rows and the
 * exposure risks computed on them), proximity tokens and per-day exposure totals.
 */
export async function purgeExpired(targets: RetentionTargets, now: number, retentionDays: number, timeZone: string): Promise<RetentionResult> {
  const cutoff = now - retentionDays * DAY_MS;
  const interactions = await targets.tracing.deleteInteractionsEndedBefore(cutoff);
  const proximityTokens = await targets.deleteTokensOlderThan(cutoff);
  const exposureDays = await targets.tracing.deleteExposureDaysBefore(addDays(calendarDay(now, timeZone), -retentionDays));
  return { interactions, proximity_tokens: proximityTokens, exposure_days: exposureDays };
}
