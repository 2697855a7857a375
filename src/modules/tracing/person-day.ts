import type { Row } from '../../platform/db/tables.js';
import type { ExposureFacts } from '../notifications/model.js';
import { VENUE_PREFIX } from './matching.js';

/** A person's day as a map key. */
export const personDay = (userId: string, date: string) => `${userId}|${date}`;

/** What a notification tells of the day's heaviest risk (a stored risk or a trace's draft). */
export type RiskFacts = Pick<
  Row<'exposure_risks'>,
  'contact_kind' | 'place' | 'episode_start' | 'episode_end' | 'minutes' | 'weighted_minutes'
>;

/** The venue code of a risk found at a venue, or null. */
export function venueCodeOf(risk: Pick<RiskFacts, 'place'>): string | null {
  return risk.place?.startsWith(VENUE_PREFIX) ? risk.place.slice(VENUE_PREFIX.length) : null;
}

/** What the notification of a person's day says: its tier and total, and when, where and how long its main risk. */
export function factsOf(
  tier: 'medium' | 'high',
  date: string,
  total: number,
  day: { main: RiskFacts; count: number },
  venueNames: Map<string, string>,
): ExposureFacts {
  const main = day.main;
  const kind = (main.contact_kind ?? 'gps') as ExposureFacts['main']['contact_kind'];
  const venue = venueCodeOf(main);
  return {
    tier,
    exposure_date: date,
    total_weighted_minutes: Math.round(total * 10) / 10,
    episodes: day.count,
    main: {
      contact_kind: kind,
      place: venue ?? main.place,
      ...(venue !== null && venueNames.has(venue) ? { venue_name: venueNames.get(venue)! } : {}),
      started_at: main.episode_start ?? 0,
      ended_at: main.episode_end ?? 0,
      minutes: Math.round(main.minutes),
    },
  };
}
