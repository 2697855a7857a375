import { createRng, type Seed } from '../modules/zones/prng.js';
import { clampToBox, DEFAULT_BBOX, offsetMetres, type BoundingBox, type LatLng } from './geometry.js';

export type PlaceKind = 'home' | 'work' | 'school' | 'venue';

export interface Place extends LatLng {
  readonly id: number;
  readonly kind: PlaceKind;
  /** Separate spots (desk groups, class tables, venue tables, a home's one room) more than 10 m apart. */
  readonly spots: number;
  readonly neighbourhood: number;
}

export interface Agent {
  readonly id: number;
  readonly home: number;
  /** Workplace or school, or null (at home in the day). */
  readonly daytime: number | null;
  readonly daytimeSpot: number;
  readonly child: boolean;
  /** Whether the person runs the app (people without it are only known from the health department's line list). */
  readonly hasApp: boolean;
  /** Chance of going out to a venue on an evening. */
  readonly outingRate: number;
}

export interface City {
  readonly places: Place[];
  readonly agents: Agent[];
  readonly box: BoundingBox;
}

export interface CityOptions {
  readonly population: number;
  readonly seed: Seed;
  readonly box?: BoundingBox;
  /** Share of people running the app (default 0.9). */
  readonly appAdoption?: number;
}

const HOUSEHOLD_SIZES = [
  [1, 0.3],
  [2, 0.33],
  [3, 0.16],
  [4, 0.14],
  [5, 0.07],
] as const;

const PEOPLE_PER_NEIGHBOURHOOD = 500;
const WORKERS_PER_WORKPLACE = 12;
const PEOPLE_PER_DESK_GROUP = 5;
const CHILDREN_PER_SCHOOL = 250;
const CHILDREN_PER_TABLE = 6;
const PEOPLE_PER_VENUE = 120;
const VENUE_TABLES = 8;

/**
 * A synthetic city (pure, seeded): neighbourhoods inside the bounding box, households around their centre, and
 * workplaces, schools and venues, most people working, studying and going out in their own neighbourhood.
 */
export function generateCity(options: CityOptions): City {
  const rng = createRng(options.seed, 1);
  const box = options.box ?? DEFAULT_BBOX;
  const adoption = options.appAdoption ?? 0.9;
  const population = options.population;
  const neighbourhoodCount = Math.max(1, Math.round(population / PEOPLE_PER_NEIGHBOURHOOD));
  const centres: LatLng[] = Array.from({ length: neighbourhoodCount }, () => ({
    lat: box.south + (box.north - box.south) * (0.1 + 0.8 * rng.nextFloat()),
    lng: box.west + (box.east - box.west) * (0.1 + 0.8 * rng.nextFloat()),
  }));
  const places: Place[] = [];
  const addPlace = (kind: PlaceKind, neighbourhood: number, spots: number, spreadMetres: number): number => {
    const centre = centres[neighbourhood]!;
    const at = clampToBox(
      offsetMetres(centre, rng.nextGaussian() * spreadMetres, rng.nextGaussian() * spreadMetres),
      box,
    );
    places.push({ id: places.length, kind, lat: at.lat, lng: at.lng, spots, neighbourhood });
    return places.length - 1;
  };

  // Households.
  interface Person {
    home: number;
    neighbourhood: number;
    child: boolean;
  }
  const people: Person[] = [];
  while (people.length < population) {
    const neighbourhood = rng.nextInt(neighbourhoodCount);
    let u = rng.nextFloat();
    let size = 1;
    for (const [s, p] of HOUSEHOLD_SIZES) {
      size = s;
      u -= p;
      if (u < 0) break;
    }
    size = Math.min(size, population - people.length);
    const home = addPlace('home', neighbourhood, 1, 350);
    for (let i = 0; i < size; i++) people.push({ home, neighbourhood, child: size >= 3 && i >= 2 });
  }

  // Daytime places per neighbourhood.
  const adults = people.filter((p) => !p.child).length;
  const children = people.length - adults;
  const workplaces = perNeighbourhood(
    neighbourhoodCount,
    Math.max(1, Math.round((adults * 0.65) / WORKERS_PER_WORKPLACE)),
    (n) => addPlace('work', n, Math.max(1, Math.ceil(WORKERS_PER_WORKPLACE / PEOPLE_PER_DESK_GROUP) + 1), 400),
  );
  const schools = perNeighbourhood(neighbourhoodCount, Math.max(1, Math.round(children / CHILDREN_PER_SCHOOL)), (n) =>
    addPlace('school', n, Math.max(1, Math.ceil(CHILDREN_PER_SCHOOL / CHILDREN_PER_TABLE)), 300),
  );
  perNeighbourhood(neighbourhoodCount, Math.max(2, Math.round(population / PEOPLE_PER_VENUE)), (n) =>
    addPlace('venue', n, VENUE_TABLES, 300),
  );

  const pick = (byNeighbourhood: number[][], neighbourhood: number): number => {
    const local = byNeighbourhood[neighbourhood]!;
    if (local.length > 0 && rng.nextFloat() < 0.7) return local[rng.nextInt(local.length)]!;
    const all = byNeighbourhood.flat();
    return all[rng.nextInt(all.length)]!;
  };
  const agents: Agent[] = people.map((person, id) => {
    let daytime: number | null = null;
    if (person.child) daytime = pick(schools, person.neighbourhood);
    else if (rng.nextFloat() < 0.65) daytime = pick(workplaces, person.neighbourhood);
    const spots = daytime === null ? 1 : places[daytime]!.spots;
    return {
      id,
      home: person.home,
      daytime,
      daytimeSpot: rng.nextInt(spots),
      child: person.child,
      hasApp: rng.nextFloat() < adoption,
      outingRate: person.child ? 0.1 : 0.15 + 0.3 * rng.nextFloat(),
    };
  });
  return { places, agents, box };
}

/** `count` places spread over the neighbourhoods; returns their ids grouped by neighbourhood. */
function perNeighbourhood(neighbourhoods: number, count: number, add: (neighbourhood: number) => number): number[][] {
  const groups: number[][] = Array.from({ length: neighbourhoods }, () => []);
  for (let i = 0; i < count; i++) {
    const n = i % neighbourhoods;
    groups[n]!.push(add(n));
  }
  return groups;
}
