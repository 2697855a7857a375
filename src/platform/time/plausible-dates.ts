import { MS_PER_DAY } from './calendar.js';

/** How far back an onset or test date may lie. */
export const MAX_ONSET_AGE_DAYS = 60;

/** Today's calendar date in a time zone, as YYYY-MM-DD. */
export function todayIn(timeZone: string, now: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** Why an onset date cannot be right (in the future, too old, not a real day), or null. */
export function isPlausibleOnsetDate(date: string, now: number, timeZone: string, maxAgeDays: number): string | null {
  const parsed = Date.parse(`${date}T00:00:00Z`);
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== date)
    return 'is not a valid calendar date';
  const today = Date.parse(`${todayIn(timeZone, now)}T00:00:00Z`);
  if (parsed > today) return 'may not be in the future';
  if (parsed < today - maxAgeDays * MS_PER_DAY) return `may not be more than ${maxAgeDays} days ago`;
  return null;
}
