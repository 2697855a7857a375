/**
 * Calendar days in a deployment time zone.
 *
 * Pure functions, no I/O. A "day" is an ISO calendar date string 'YYYY-MM-DD' (proleptic Gregorian calendar,
 * years 0001..9999) and always means the local date in an IANA time zone (e.g. 'Europe/Paris'; the
 * deployment default is 'UTC'). Instants are epoch milliseconds.
 *
 * Day arithmetic (`dayDifference`, `addDays`) never touches time zones: it works on day numbers (days since
 * 1970-01-01), so it is exact and DST-safe by construction. Conversions between instants and local days use
 * `Intl.DateTimeFormat` (the ICU time-zone database shipped with Node.js); one formatter is cached per zone
 * because constructing them is far more expensive than using them.
 *
 * DST and other offset changes are handled for:
 *  - days that are 23 or 25 hours long (the usual spring-forward / fall-back at night);
 *  - zones whose clocks change *at* midnight (e.g. America/Santiago): when local midnight does not exist, the
 *    day starts at the first instant that shows that date (01:00); when midnight happens twice, the earlier
 *    one is the start of the day;
 *  - days that were skipped entirely (Pacific/Apia, 2011-12-30): `startOfDay` returns the start of the next
 *    existing day, so the skipped day has zero length and never appears in `splitIntervalByDay`.
 */

export const MS_PER_MINUTE = 60_000;
export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;

/** A calendar day, 'YYYY-MM-DD'. */
export type CalendarDay = string;

/** One piece of an interval, lying entirely within one local calendar day. */
export interface DayPiece {
  readonly day: CalendarDay;
  readonly startMs: number;
  readonly endMs: number;
  /** (endMs − startMs) / 60 000, unrounded (fractional minutes are kept). */
  readonly minutes: number;
}

// ---------------------------------------------------------------------------------------------------------
// Day strings and day numbers (zone-free)
// ---------------------------------------------------------------------------------------------------------

const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Smallest and largest supported day numbers: 0001-01-01 and 9999-12-31. */
const MIN_DAY_NUMBER = -719_162;
const MAX_DAY_NUMBER = 2_932_896;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9; // March = 0
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Inverse of daysFromCivil. */
function civilFromDays(dayNumber: number): { year: number; month: number; day: number } {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return { year, month, day };
}

function formatDay(year: number, month: number, day: number): CalendarDay {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return typeof value;
}

/**
 * Bounded memos for dayNumber and dayFromNumber: scoring a trace's episodes converts the same few days thousands of
 * times.
 */
const DAY_NUMBER_CACHE_LIMIT = 4096;
const dayNumbers = new Map<string, number>();
const daysByNumber = new Map<number, CalendarDay>();

/** Parses a 'YYYY-MM-DD' day, or returns null when it is not a real calendar date in 0001..9999. */
export function parseDay(day: unknown): { year: number; month: number; day: number } | null {
  if (typeof day !== 'string') return null;
  const match = DAY_PATTERN.exec(day);
  if (match === null) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const dayOfMonth = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || dayOfMonth < 1 || dayOfMonth > daysInMonth(year, month)) return null;
  return { year, month, day: dayOfMonth };
}

/** True when `day` is a real calendar date written 'YYYY-MM-DD' (years 0001..9999). */
export function isValidDay(day: unknown): day is CalendarDay {
  return (typeof day === 'string' && dayNumbers.has(day)) || parseDay(day) !== null;
}

/** Throws a RangeError naming `what` unless `day` is a valid 'YYYY-MM-DD' date. */
export function assertDay(day: unknown, what = 'day'): asserts day is CalendarDay {
  if (!isValidDay(day)) throw invalidDayError(day, what);
}

function invalidDayError(day: unknown, what: string): RangeError {
  return new RangeError(`${what} must be a calendar date written YYYY-MM-DD (years 0001-9999), got ${describe(day)}`);
}

/** Days since 1970-01-01 (negative before). Throws on an invalid day. */
export function dayNumber(day: CalendarDay): number {
  const cached = dayNumbers.get(day);
  if (cached !== undefined) return cached;
  const parsed = parseDay(day);
  if (parsed === null) throw invalidDayError(day, 'day');
  const n = daysFromCivil(parsed.year, parsed.month, parsed.day);
  if (dayNumbers.size >= DAY_NUMBER_CACHE_LIMIT) dayNumbers.clear();
  dayNumbers.set(day, n);
  return n;
}

/** The day with the given day number (days since 1970-01-01). */
export function dayFromNumber(n: number): CalendarDay {
  if (!Number.isSafeInteger(n) || n < MIN_DAY_NUMBER || n > MAX_DAY_NUMBER) {
    throw new RangeError(`day number ${describe(n)} is outside the supported range 0001-01-01..9999-12-31`);
  }
  const cached = daysByNumber.get(n);
  if (cached !== undefined) return cached;
  const { year, month, day } = civilFromDays(n);
  const formatted = formatDay(year, month, day);
  if (daysByNumber.size >= DAY_NUMBER_CACHE_LIMIT) daysByNumber.clear();
  daysByNumber.set(n, formatted);
  return formatted;
}

/**
 * a − b in whole calendar days: positive when `a` is later than `b`.
 * `dayDifference('2024-03-31', '2024-03-30') === 1` whatever happens to the clocks on those days.
 */
export function dayDifference(a: CalendarDay, b: CalendarDay): number {
  return dayNumber(a) - dayNumber(b);
}

/** The day `n` calendar days after `day` (before it when `n` is negative). */
export function addDays(day: CalendarDay, n: number): CalendarDay {
  if (!Number.isSafeInteger(n)) throw new RangeError(`addDays: n must be an integer, got ${describe(n)}`);
  return dayFromNumber(dayNumber(day) + n);
}

// ---------------------------------------------------------------------------------------------------------
// Time zones
// ---------------------------------------------------------------------------------------------------------

/** Formatter cache, one per zone name exactly as given. Zones are few, so the cache stays small. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function createFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
}

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  const cached = formatters.get(timeZone);
  if (cached !== undefined) return cached;
  assertTimeZone(timeZone); // caches the formatter when the zone is valid
  return formatters.get(timeZone) as Intl.DateTimeFormat;
}

/**
 * True when `timeZone` is a time-zone name this runtime knows (IANA names such as 'Europe/Paris', 'UTC').
 * Names are matched as Intl matches them (case-insensitively, links such as 'US/Eastern' accepted).
 */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  if (formatters.has(timeZone)) return true;
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = createFormatter(timeZone);
  } catch {
    return false;
  }
  formatters.set(timeZone, formatter);
  return true;
}

/** Throws a RangeError with a clear message unless `timeZone` is a known IANA time-zone name. */
export function assertTimeZone(timeZone: unknown, what = 'time zone'): asserts timeZone is string {
  if (!isValidTimeZone(timeZone)) {
    throw new RangeError(
      `${what} must be an IANA time-zone name such as "UTC" or "Europe/Paris", got ${describe(timeZone)}`,
    );
  }
}

/** The canonical IANA name of a zone (e.g. 'utc' → 'UTC', 'US/Eastern' → 'America/New_York' on some ICU versions). */
export function canonicalTimeZone(timeZone: string): string {
  return formatterFor(timeZone).resolvedOptions().timeZone;
}

/**
 * Instants accepted by calendarDay: 0001-01-02T00:00Z .. 9999-12-31T00:00Z, so that the local date in every
 * zone (offsets stay within ±1 day) is a 4-digit year of the Common Era.
 */
const MIN_INSTANT_MS = (MIN_DAY_NUMBER + 1) * MS_PER_DAY;
const MAX_INSTANT_MS = MAX_DAY_NUMBER * MS_PER_DAY;

function assertInstant(epochMs: unknown, what: string): asserts epochMs is number {
  if (
    typeof epochMs !== 'number' ||
    !Number.isFinite(epochMs) ||
    epochMs < MIN_INSTANT_MS ||
    epochMs > MAX_INSTANT_MS
  ) {
    throw new RangeError(
      `${what} must be a finite epoch time in milliseconds within years 0001-9999, got ${describe(epochMs)}`,
    );
  }
}

interface WallClock {
  /** Local date as a day number. */
  readonly dayNumber: number;
  /** Local wall-clock time, as milliseconds since 1970-01-01T00:00 "local" (whole seconds). */
  readonly wallMs: number;
}

/** Local date and wall-clock time of an instant (resolution: one second, like the tz database). */
function wallClock(epochMs: number, timeZone: string): WallClock {
  const seconds = Math.floor(epochMs / 1000) * 1000;
  if (timeZone === 'UTC') {
    const n = Math.floor(seconds / MS_PER_DAY);
    return { dayNumber: n, wallMs: seconds };
  }
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  for (const part of formatterFor(timeZone).formatToParts(seconds)) {
    switch (part.type) {
      case 'year':
        year = Number(part.value);
        break;
      case 'month':
        month = Number(part.value);
        break;
      case 'day':
        day = Number(part.value);
        break;
      case 'hour':
        hour = Number(part.value) % 24; // defensive: some old ICU builds print midnight as "24"
        break;
      case 'minute':
        minute = Number(part.value);
        break;
      case 'second':
        second = Number(part.value);
        break;
      default:
        break;
    }
  }
  const n = daysFromCivil(year, month, day);
  return { dayNumber: n, wallMs: n * MS_PER_DAY + hour * MS_PER_HOUR + minute * MS_PER_MINUTE + second * 1000 };
}

/** UTC offset of `timeZone` at an instant, in milliseconds (local = UTC + offset). */
export function utcOffsetMs(epochMs: number, timeZone: string): number {
  assertInstant(epochMs, 'epochMs');
  return wallClock(epochMs, timeZone).wallMs - Math.floor(epochMs / 1000) * 1000;
}

/** The local calendar day ('YYYY-MM-DD') of an instant in an IANA time zone. */
export function calendarDay(epochMs: number, timeZone: string): CalendarDay {
  assertInstant(epochMs, 'epochMs');
  const { year, month, day } = civilFromDays(wallClock(epochMs, timeZone).dayNumber);
  return formatDay(year, month, day);
}

/** Bounded memo for startOfDay (a hot path when many episodes are split): cleared when full. */
const START_OF_DAY_CACHE_LIMIT = 8192;
const startOfDayCache = new Map<string, number>();

/**
 * Epoch milliseconds of the first instant of `day` in `timeZone`: local midnight, or, in zones whose clocks
 * jump forward at midnight, the first instant showing that date. DST-safe; see the module comment.
 */
export function startOfDay(day: CalendarDay, timeZone: string): number {
  const n = dayNumber(day);
  const target = n * MS_PER_DAY; // local wall-clock time of midnight
  if (timeZone === 'UTC') return target;
  const key = `${timeZone}\u0000${n}`;
  const cached = startOfDayCache.get(key);
  if (cached !== undefined) return cached;
  assertTimeZone(timeZone);

  const offsetAt = (t: number): number => wallClock(t, timeZone).wallMs - t;
  // Offsets in force a day before and a day after (in any zone these bracket the real midnight by ≥ 10 h).
  // Offset changes are never closer together than that, so midnight lies under one of these two offsets.
  const offsetBefore = offsetAt(target - MS_PER_DAY);
  const offsetAfter = offsetAt(target + MS_PER_DAY);
  let start = Number.POSITIVE_INFINITY;
  for (const offset of [offsetBefore, offsetAfter]) {
    const candidate = target - offset;
    if (offsetAt(candidate) === offset) start = Math.min(start, candidate); // midnight twice: keep the earlier
  }
  if (!Number.isFinite(start)) {
    // Local midnight does not exist (clocks jumped over it): the day starts at the jump. Between
    // target − offsetAfter (wall clock still before midnight) and target − offsetBefore (already after),
    // find the first second whose wall clock reads at least midnight.
    let lo = Math.floor((target - Math.max(offsetBefore, offsetAfter)) / 1000);
    let hi = Math.ceil((target - Math.min(offsetBefore, offsetAfter)) / 1000);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (wallClock(mid * 1000, timeZone).wallMs >= target) hi = mid;
      else lo = mid;
    }
    start = hi * 1000;
  }
  if (startOfDayCache.size >= START_OF_DAY_CACHE_LIMIT) startOfDayCache.clear();
  startOfDayCache.set(key, start);
  return start;
}

/** Length of a local day in milliseconds: 24 h usually, 23 h or 25 h on DST transition days. */
export function dayLengthMs(day: CalendarDay, timeZone: string): number {
  return startOfDay(addDays(day, 1), timeZone) - startOfDay(day, timeZone);
}

/**
 * Cuts [startMs, endMs) at local midnights of `timeZone`. Returns the pieces in order; their lengths add up
 * to endMs − startMs exactly (pieces share their boundaries). An empty interval gives no pieces.
 */
export function splitIntervalByDay(startMs: number, endMs: number, timeZone: string): DayPiece[] {
  assertInstant(startMs, 'startMs');
  assertInstant(endMs, 'endMs');
  if (endMs < startMs) {
    throw new RangeError(`interval ends before it starts (startMs ${startMs}, endMs ${endMs})`);
  }
  assertTimeZone(timeZone);
  const pieces: DayPiece[] = [];
  let cursor = startMs;
  while (cursor < endMs) {
    const day = calendarDay(cursor, timeZone);
    const nextStart = startOfDay(addDays(day, 1), timeZone);
    const pieceEnd = Math.min(nextStart, endMs);
    if (!(pieceEnd > cursor)) {
      throw new Error(`calendar: could not advance past ${cursor} in ${timeZone} (time-zone data inconsistent)`);
    }
    pieces.push({ day, startMs: cursor, endMs: pieceEnd, minutes: (pieceEnd - cursor) / MS_PER_MINUTE });
    cursor = pieceEnd;
  }
  return pieces;
}
