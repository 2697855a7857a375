import type { Xoshiro128 } from '../modules/zones/prng.js';
import type { Agent, City } from './city.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../platform/time/calendar.js';

/** Someone at one spot of one place for a while (simulation ms). */
export interface Stay {
  readonly agent: number;
  readonly place: number;
  readonly spot: number;
  readonly start: number;
  readonly end: number;
}

export interface DayContext {
  readonly day: number;
  /** 0 = Sunday .. 6 = Saturday. */
  readonly weekday: number;
  /** Whether the person stays home all day (isolating or sick). */
  readonly staysHome: boolean;
}

/**
 * One person's day (pure given the generator): home at night, work or school on weekdays, sometimes an errand and an
 * evening out at a venue; at home all day when isolating. Stays are contiguous and cover the whole day.
 */
export function dailyStays(city: City, agent: Agent, context: DayContext, rng: Xoshiro128): Stay[] {
  const dayStart = context.day * MS_PER_DAY;
  const at = (hours: number) => dayStart + Math.round((hours * MS_PER_HOUR) / MS_PER_MINUTE) * MS_PER_MINUTE;
  const outings: { place: number; spot: number; start: number; end: number }[] = [];
  if (!context.staysHome) {
    const weekend = context.weekday === 0 || context.weekday === 6;
    if (!weekend && agent.daytime !== null) {
      const start = at(7.5 + rng.nextFloat());
      const end = agent.child ? at(15.5 + rng.nextFloat()) : at(16 + 2 * rng.nextFloat());
      outings.push({ place: agent.daytime, spot: agent.daytimeSpot, start, end });
    } else if (rng.nextFloat() < 0.3) {
      const venue = pickVenue(city, agent, rng);
      const start = at(10 + 2 * rng.nextFloat());
      outings.push({
        place: venue,
        spot: rng.nextInt(city.places[venue]!.spots),
        start,
        end: start + Math.round(20 + 70 * rng.nextFloat()) * MS_PER_MINUTE,
      });
    }
    if (rng.nextFloat() < agent.outingRate * (weekend ? 1.5 : 1)) {
      const venue = pickVenue(city, agent, rng);
      const start = at(18.5 + 2 * rng.nextFloat());
      outings.push({
        place: venue,
        spot: rng.nextInt(city.places[venue]!.spots),
        start,
        end: start + Math.round(30 + 90 * rng.nextFloat()) * MS_PER_MINUTE,
      });
    }
  }
  const stays: Stay[] = [];
  let cursor = dayStart;
  for (const outing of outings) {
    if (outing.start <= cursor) continue;
    stays.push({ agent: agent.id, place: agent.home, spot: 0, start: cursor, end: outing.start });
    stays.push({ agent: agent.id, ...outing });
    cursor = outing.end;
  }
  stays.push({ agent: agent.id, place: agent.home, spot: 0, start: cursor, end: dayStart + MS_PER_DAY });
  return stays;
}

function pickVenue(city: City, agent: Agent, rng: Xoshiro128): number {
  const venues = venuesOf(city);
  const home = city.places[agent.home]!;
  const local = venues.byNeighbourhood.get(home.neighbourhood) ?? [];
  if (local.length > 0 && rng.nextFloat() < 0.75) return local[rng.nextInt(local.length)]!;
  return venues.town[rng.nextInt(venues.town.length)]!;
}

/** The city's venues: those of the town (anyone may go there) and by neighbourhood (a village's are its own). */
const venueIndex = new WeakMap<City, { town: number[]; byNeighbourhood: Map<number, number[]> }>();
function venuesOf(city: City) {
  let index = venueIndex.get(city);
  if (index === undefined) {
    const all = city.places.filter((p) => p.kind === 'venue').map((p) => p.id);
    const byNeighbourhood = new Map<number, number[]>();
    for (const id of all) {
      const n = city.places[id]!.neighbourhood;
      byNeighbourhood.set(n, [...(byNeighbourhood.get(n) ?? []), id]);
    }
    const town = all.filter((id) => city.places[id]!.neighbourhood !== city.village);
    index = { town: town.length > 0 ? town : all, byNeighbourhood };
    venueIndex.set(city, index);
  }
  return index;
}
