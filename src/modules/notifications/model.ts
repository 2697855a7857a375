import { cellToLatLng, getHexagonEdgeLengthAvg, getResolution, isValidCell, UNITS } from 'h3-js';
import {
  addDays,
  calendarDay,
  dayNumber,
  isValidDay,
  utcOffsetMs,
  type CalendarDay,
} from '../../platform/time/calendar.js';

/**
 * What an exposure notification is made from: the exposed person's tier for one day and their main contact
 * episode that day. Nothing about the source person is in here, so nothing about them can reach the text.
 */
export interface ExposureFacts {
  readonly tier: 'medium' | 'high';
  /** Calendar day of the exposure in the deployment's time zone. */
  readonly exposure_date: CalendarDay;
  /** Weighted minutes of every episode of that day, all sources together (risk model v1). */
  readonly total_weighted_minutes: number;
  /** Contact episodes that day. */
  readonly episodes: number;
  /** The episode that weighed most that day. */
  readonly main: {
    readonly contact_kind: 'proximity' | 'venue' | 'gps';
    /** Venue code (venue), H3 cell (gps), null (proximity). */
    readonly place: string | null;
    /** The name the venue was registered under, when it was (POST /venues). */
    readonly venue_name?: string | null;
    /** Epoch milliseconds. */
    readonly started_at: number;
    readonly ended_at: number;
    /** Overlap minutes (unweighted). */
    readonly minutes: number;
  };
}

export interface NotificationText {
  readonly title: string;
  readonly body: string;
}

/** Days to watch for symptoms (and, at high risk, to stay home) after the exposure. */
export const WATCH_DAYS = 14;
const SYMPTOMS = 'fever, cough, sore throat, shortness of breath, or loss of taste or smell';

const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** 'Tuesday 3 March 2026'. Spelt out here rather than by Intl, so the text is the same on every ICU version. */
export function formatDay(day: CalendarDay): string {
  const n = dayNumber(day);
  const weekday = WEEKDAYS[(((n + 3) % 7) + 7) % 7]!; // 1970-01-01 was a Thursday
  const [year, month, dayOfMonth] = day.split('-').map(Number) as [number, number, number];
  return `${weekday} ${dayOfMonth} ${MONTHS[month - 1]!} ${year}`;
}

/** Local wall-clock 'HH:MM' (24-hour) of an instant in a time zone. */
export function formatLocalTime(epochMs: number, timeZone: string): string {
  const local = new Date(epochMs + utcOffsetMs(epochMs, timeZone));
  return `${String(local.getUTCHours()).padStart(2, '0')}:${String(local.getUTCMinutes()).padStart(2, '0')}`;
}

/** '45 minutes', '1 minute', '1 hour', '2 hours 5 minutes', 'less than a minute'. */
export function formatDuration(minutes: number): string {
  const whole = Math.round(minutes);
  if (whole < 1) return 'less than a minute';
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  const minutePart = `${rest} minute${rest === 1 ? '' : 's'}`;
  if (hours === 0) return minutePart;
  const hourPart = `${hours} hour${hours === 1 ? '' : 's'}`;
  return rest === 0 ? hourPart : `${hourPart} ${minutePart}`;
}

/**
 * An H3 cell as an approximate area: its centre rounded to 3 decimals (about 100 m) and a radius that covers the
 * cell and the rounding, e.g. '48.856° N, 2.352° E (within about 100 m)'. Null for something that is not a cell.
 */
export function describeCell(cell: string): string | null {
  if (!isValidCell(cell)) return null;
  const [lat, lng] = cellToLatLng(cell);
  const edge = getHexagonEdgeLengthAvg(getResolution(cell), UNITS.m);
  const radius = Math.max(100, Math.ceil(edge / 50) * 50);
  const coordinate = (value: number, positive: string, negative: string) =>
    `${Math.abs(value).toFixed(3)}° ${value < 0 ? negative : positive}`;
  return `${coordinate(lat, 'N', 'S')}, ${coordinate(lng, 'E', 'W')} (within about ${radius.toLocaleString('en-GB')} m)`;
}

function timeZoneLabel(timeZone: string): string {
  return timeZone === 'UTC' || timeZone === 'Etc/UTC' ? 'UTC' : `${timeZone} time`;
}

function assertFacts(facts: ExposureFacts): void {
  if (facts.tier !== 'medium' && facts.tier !== 'high')
    throw new RangeError(`only medium and high tiers are notified, got ${String(facts.tier)}`);
  if (!isValidDay(facts.exposure_date))
    throw new RangeError(`exposure_date must be YYYY-MM-DD, got ${String(facts.exposure_date)}`);
  const { started_at, ended_at, minutes, contact_kind } = facts.main;
  if (!Number.isFinite(started_at) || !Number.isFinite(ended_at) || ended_at < started_at)
    throw new RangeError('main episode times are invalid');
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new RangeError('main episode minutes must be a non-negative number');
  if (contact_kind !== 'proximity' && contact_kind !== 'venue' && contact_kind !== 'gps')
    throw new RangeError(`unknown contact kind ${String(contact_kind)}`);
}

/**
 * The plain-language text of an exposure notification: when (local date and times in the deployment's time zone),
 * where (the venue, an approximate area, or "close to another phone"), for how long, what the tier means and what
 * to do until when. Pure: the same facts and zone always give the same text. The source person is never described.
 */
export function composeExposureNotification(facts: ExposureFacts, timeZone: string): NotificationText {
  assertFacts(facts);
  const { main } = facts;
  const startDay = calendarDay(main.started_at, timeZone);
  const endDay = calendarDay(Math.max(main.started_at, main.ended_at - 1), timeZone);
  const from = formatLocalTime(main.started_at, timeZone);
  const to = formatLocalTime(main.ended_at, timeZone);
  const zone = timeZoneLabel(timeZone);
  const when =
    startDay === endDay
      ? `On ${formatDay(startDay)}, between ${from} and ${to} (${zone})`
      : `From ${from} on ${formatDay(startDay)} to ${to} on ${formatDay(endDay)} (${zone})`;
  const duration = formatDuration(main.minutes);
  const someone = 'a person who may have been infectious';

  let what: string;
  switch (main.contact_kind) {
    case 'venue':
      what =
        main.place === null
          ? `you spent ${duration} at a venue at the same time as ${someone}.`
          : main.venue_name
            ? `you spent ${duration} at "${main.venue_name}" (venue ${main.place}, where you checked in) at the same time as ${someone}.`
            : `you spent ${duration} at the venue "${main.place}" (where you checked in) at the same time as ${someone}.`;
      break;
    case 'gps': {
      const area = main.place === null ? null : describeCell(main.place);
      what =
        area === null
          ? `you spent ${duration} near ${someone}.`
          : `you spent ${duration} near ${someone}, in the area around ${area}.`;
      break;
    }
    case 'proximity':
      what = `your phone was close to another phone (Bluetooth) for ${duration}, carried by ${someone}.`;
      break;
  }
  const paragraphs = [`${when}, ${what}`];
  if (facts.episodes > 1) {
    paragraphs.push(
      `This was the most significant of ${facts.episodes} contacts you had that day; together they make your risk ${facts.tier}.`,
    );
  }

  const until = formatDay(addDays(facts.exposure_date, WATCH_DAYS));
  const symptoms = SYMPTOMS;
  if (facts.tier === 'high') {
    paragraphs.push(
      'Your exposure risk is high: the contact was close enough and long enough that you may have been infected.',
    );
    paragraphs.push(
      `What to do: stay at home and avoid meeting other people until ${until} (${WATCH_DAYS} days after the exposure). ` +
        'Get tested as soon as you can, and again if symptoms appear. ' +
        `Watch for symptoms such as ${symptoms} until ${until}; if any appear, report them in the app and call a doctor.`,
    );
  } else {
    paragraphs.push(
      'Your exposure risk is medium: you may have been infected, although the contact was shorter or less close than a high-risk one.',
    );
    paragraphs.push(
      `What to do: watch for symptoms such as ${symptoms} until ${until} (${WATCH_DAYS} days after the exposure). ` +
        'Until then, limit close contacts, especially with people at higher risk of severe illness. ' +
        'If symptoms appear, stay at home, get tested and report them in the app.',
    );
  }

  const date = formatDay(facts.exposure_date);
  const title =
    facts.tier === 'high'
      ? `High risk: you were exposed on ${date}`
      : `Medium risk: you may have been exposed on ${date}`;
  return { title, body: paragraphs.join('\n\n') };
}

/**
 * The facts kept with a notification (its `data` column): exactly the known fields, whatever else the caller passed.
 */
export function storedFacts(facts: ExposureFacts): ExposureFacts {
  return {
    tier: facts.tier,
    exposure_date: facts.exposure_date,
    total_weighted_minutes: facts.total_weighted_minutes,
    episodes: facts.episodes,
    main: {
      contact_kind: facts.main.contact_kind,
      place: facts.main.place,
      ...(facts.main.venue_name ? { venue_name: facts.main.venue_name } : {}),
      started_at: facts.main.started_at,
      ended_at: facts.main.ended_at,
      minutes: facts.main.minutes,
    },
  };
}

/** Why a day's tier fell: the source tested negative, was entered in error, or their report was corrected. */
export type UpdateCause = 'negative_test' | 'entered_in_error' | 'corrected';

/**
 * What an update notification is made from: a person's day whose tier fell below the tier they were notified of,
 * because a case that exposed them was revoked or corrected. As with exposures, nothing about the source person.
 */
export interface UpdateFacts {
  readonly cause: UpdateCause;
  /** Calendar day of the exposure in the deployment's time zone. */
  readonly exposure_date: CalendarDay;
  /** The tier the person was last notified of. */
  readonly previous_tier: 'medium' | 'high';
  /** The day's tier now (lower than previous_tier). */
  readonly tier: 'low' | 'medium';
  /** Weighted minutes of the day's remaining episodes. */
  readonly total_weighted_minutes: number;
  /** Contact episodes that still count that day. */
  readonly episodes: number;
  /** The heaviest episode that still counts that day, if any (kept with the notification, not in its text). */
  readonly main?: ExposureFacts['main'] | null;
}

const UPDATE_CAUSES: Record<UpdateCause, string> = {
  negative_test: 'A person you were near has since tested negative',
  entered_in_error: 'A person you were near was reported in error',
  corrected: 'The report of a person you were near has been corrected',
};

function assertUpdateFacts(facts: UpdateFacts): void {
  if (!Object.hasOwn(UPDATE_CAUSES, facts.cause)) throw new RangeError(`unknown update cause ${String(facts.cause)}`);
  if (!isValidDay(facts.exposure_date))
    throw new RangeError(`exposure_date must be YYYY-MM-DD, got ${String(facts.exposure_date)}`);
  const rank: Record<string, number> = { low: 0, medium: 1, high: 2 };
  const previous = rank[facts.previous_tier];
  const now = rank[facts.tier];
  if (previous === undefined || now === undefined || previous === 0 || now >= previous)
    throw new RangeError(
      `an update lowers a notified tier, not ${String(facts.previous_tier)} to ${String(facts.tier)}`,
    );
}

/**
 * The plain-language text of an update notification: what changed (never who), which day, the day's tier now and
 * what that means. Pure, like composeExposureNotification.
 */
export function composeUpdateNotification(facts: UpdateFacts): NotificationText {
  assertUpdateFacts(facts);
  const date = formatDay(facts.exposure_date);
  const cause = UPDATE_CAUSES[facts.cause];
  const paragraphs: string[] = [];
  let title: string;
  if (facts.tier === 'low') {
    title = `Update: your exposure on ${date} no longer counts`;
    paragraphs.push(
      `${cause}: your exposure on ${date} no longer counts. Your risk for that day is now low: you are no longer at risk from that day.`,
    );
    paragraphs.push(
      `What to do: you no longer need to take the precautions the ${facts.previous_tier}-risk notification for that day asked for, unless another notification asks you to. ` +
        'If you have symptoms, still report them in the app and get tested.',
    );
  } else {
    title = `Update: your risk for ${date} is now medium`;
    const until = formatDay(addDays(facts.exposure_date, WATCH_DAYS));
    paragraphs.push(
      `${cause}: part of your exposure on ${date} no longer counts. Your risk for that day is now medium (it was high).`,
    );
    paragraphs.push(
      `What to do: you no longer need to stay at home because of that day. Watch for symptoms such as ${SYMPTOMS} until ${until} (${WATCH_DAYS} days after the exposure), ` +
        'and limit close contacts until then. If symptoms appear, stay at home, get tested and report them in the app.',
    );
  }
  return { title, body: paragraphs.join('\n\n') };
}

/** The facts kept with an update notification (its `data` column), marked as an update's. */
export function storedUpdateFacts(facts: UpdateFacts): UpdateFacts & { readonly kind: 'update' } {
  return {
    kind: 'update',
    cause: facts.cause,
    exposure_date: facts.exposure_date,
    previous_tier: facts.previous_tier,
    tier: facts.tier,
    total_weighted_minutes: facts.total_weighted_minutes,
    episodes: facts.episodes,
    main: facts.main ?? null,
  };
}
