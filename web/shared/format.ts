/** How dates and times read on screen: in the browser's language and time zone. */

const dateTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateOnly = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  timeZone: 'UTC',
});

export const formatDateTime = (iso: string | number): string => dateTime.format(new Date(iso));
export const formatTime = (iso: string | number): string => timeOnly.format(new Date(iso));
/** A calendar date (YYYY-MM-DD), as written, whatever the browser's time zone. */
export const formatDate = (date: string): string => dateOnly.format(new Date(`${date}T00:00:00Z`));

/** Today's date in the browser's time zone, YYYY-MM-DD. */
export function localToday(now = new Date()): string {
  const offset = now.getTimezoneOffset() * 60_000;
  return new Date(now.getTime() - offset).toISOString().slice(0, 10);
}

/** "1 day", "3 days": a count with its noun in the right number. */
export const countOf = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function shortId(id: string): string {
  return id.slice(0, 8);
}

export function describeError(error: unknown): string {
  if (error && typeof error === 'object' && 'problem' in error) {
    const problem = (error as { problem: { detail?: string } }).problem;
    if (problem.detail) return problem.detail;
  }
  if (error instanceof TypeError) return 'The server could not be reached. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
