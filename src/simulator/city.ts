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
  /** The neighbourhood that is a village apart from the town (see CityOptions.village), if any. */
  readonly village?: number;
}

/**
 * A village a few kilometres from the town: its own homes, workplaces, school and venue, its people working and going
 * out there mostly (some commute to the town), the town's people not going there.
 */
export interface VillageOptions {
  /** People living there (part of the city's population). */
  readonly population: number;
  /** From the town's (first neighbourhood's) centre to the village's. */
  readonly distanceMetres: number;
}

export interface CityOptions {
  readonly population: number;
  readonly seed: Seed;
  readonly box?: BoundingBox;
  /** Share of people running the app (default 0.9). */
  readonly appAdoption?: number;
  readonly village?: VillageOptions;
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
/** A village is more compact than a town's neighbourhood (spread of its homes and places, metres). */
const VILLAGE_SPREAD_METRES = 150;
/** Share of a village's workers, pupils and evenings out that stay in the village. */
const VILLAGE_LOCAL_SHARE = 0.9;

/**
 * A synthetic city (pure, seeded): neighbourhoods inside the bounding box, households around their centre, and
 * workplaces, schools and venues, most people working, studying and going out in their own neighbourhood.
 */
export function generateCity(options: CityOptions): City {
  const rng = createRng(options.seed, 1);
  const box = options.box ?? DEFAULT_BBOX;
  const adoption = options.appAdoption ?? 0.9;
  const population = options.population;
  const villagePopulation = Math.min(population, options.village?.population ?? 0);
  const townPopulation = population - villagePopulation;
  const neighbourhoodCount = Math.max(1, Math.round(townPopulation / PEOPLE_PER_NEIGHBOURHOOD));
  const centres: LatLng[] = Array.from({ length: neighbourhoodCount }, () => ({
    lat: box.south + (box.north - box.south) * (0.1 + 0.8 * rng.nextFloat()),
    lng: box.west + (box.east - box.west) * (0.1 + 0.8 * rng.nextFloat()),
  }));
  const village = options.village === undefined ? undefined : neighbourhoodCount;
  if (options.village !== undefined) centres.push(villageCentre(centres[0]!, options.village.distanceMetres, box));
  const places: Place[] = [];
  const addPlace = (kind: PlaceKind, neighbourhood: number, spots: number, townSpreadMetres: number): number => {
    const centre = centres[neighbourhood]!;
    const spreadMetres = neighbourhood === village ? VILLAGE_SPREAD_METRES : townSpreadMetres;
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
  const addHouseholds = (until: number, neighbourhoodOf: () => number) => {
    while (people.length < until) {
      const neighbourhood = neighbourhoodOf();
      let u = rng.nextFloat();
      let size = 1;
      for (const [s, p] of HOUSEHOLD_SIZES) {
        size = s;
        u -= p;
        if (u < 0) break;
      }
      size = Math.min(size, until - people.length);
      const home = addPlace('home', neighbourhood, 1, 350);
      for (let i = 0; i < size; i++) people.push({ home, neighbourhood, child: size >= 3 && i >= 2 });
    }
  };
  addHouseholds(townPopulation, () => rng.nextInt(neighbourhoodCount));
  if (village !== undefined) addHouseholds(population, () => village);

  // Daytime places per neighbourhood (the village's own after the town's).
  const adultsOf = (group: Person[]) => group.filter((p) => !p.child).length;
  const town = people.slice(0, townPopulation);
  const townChildren = town.length - adultsOf(town);
  const desks = Math.max(1, Math.ceil(WORKERS_PER_WORKPLACE / PEOPLE_PER_DESK_GROUP) + 1);
  const tables = Math.max(1, Math.ceil(CHILDREN_PER_SCHOOL / CHILDREN_PER_TABLE));
  const workplaces = perNeighbourhood(
    neighbourhoodCount,
    Math.max(1, Math.round((adultsOf(town) * 0.65) / WORKERS_PER_WORKPLACE)),
    (n) => addPlace('work', n, desks, 400),
  );
  const schools = perNeighbourhood(
    neighbourhoodCount,
    Math.max(1, Math.round(townChildren / CHILDREN_PER_SCHOOL)),
    (n) => addPlace('school', n, tables, 300),
  );
  perNeighbourhood(neighbourhoodCount, Math.max(2, Math.round(townPopulation / PEOPLE_PER_VENUE)), (n) =>
    addPlace('venue', n, VENUE_TABLES, 300),
  );
  if (village !== undefined) {
    const villagers = people.slice(townPopulation);
    const count = (n: number) => Math.max(1, Math.round(n));
    workplaces.push(
      Array.from({ length: count((adultsOf(villagers) * 0.65) / WORKERS_PER_WORKPLACE) }, () =>
        addPlace('work', village, desks, 0),
      ),
    );
    schools.push([addPlace('school', village, tables, 0)]);
    for (let i = 0; i < count(villagePopulation / PEOPLE_PER_VENUE); i++) addPlace('venue', village, VENUE_TABLES, 0);
  }

  // Mostly in one's own neighbourhood; otherwise anywhere in the town (the village's places are its own).
  const pick = (byNeighbourhood: number[][], neighbourhood: number): number => {
    const local = byNeighbourhood[neighbourhood]!;
    const localShare = neighbourhood === village ? VILLAGE_LOCAL_SHARE : 0.7;
    if (local.length > 0 && rng.nextFloat() < localShare) return local[rng.nextInt(local.length)]!;
    const all = byNeighbourhood.slice(0, neighbourhoodCount).flat();
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
  return village === undefined ? { places, agents, box } : { places, agents, box, village };
}

/** A village's centre `distance` metres from the town's, towards the farthest corner of the box (so it fits in it). */
function villageCentre(town: LatLng, distance: number, box: BoundingBox): LatLng {
  const corners = [
    { lat: box.south, lng: box.west },
    { lat: box.south, lng: box.east },
    { lat: box.north, lng: box.west },
    { lat: box.north, lng: box.east },
  ];
  const metres = (p: LatLng) => ({
    north: (p.lat - town.lat) * 111_320,
    east: (p.lng - town.lng) * 111_320 * Math.cos((town.lat * Math.PI) / 180),
  });
  const far = corners.map(metres).reduce((a, b) => (Math.hypot(b.north, b.east) > Math.hypot(a.north, a.east) ? b : a));
  const length = Math.hypot(far.north, far.east);
  return clampToBox(offsetMetres(town, (far.north / length) * distance, (far.east / length) * distance), box);
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
