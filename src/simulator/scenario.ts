import { createRng, type Seed, type Xoshiro128 } from '../modules/zones/prng.js';
import { generateCity, type Agent, type City, type VillageOptions } from './city.js';
import { DEFAULT_DISEASE, drawCourse, type DiseaseParameters } from './disease.js';
import type { CourseDrawer, TransmissionDecision } from './epidemic.js';
import { neighbourhoodChoir, presymptomaticAt, withGathering, type ChoirOptions, type Gathering } from './gathering.js';
import { dailyStays, type DayContext, type Stay } from './schedule.js';
import { MS_PER_DAY } from '../platform/time/calendar.js';

/** What a run simulates: the city, everyone's days, the first infections and, for scripted runs, fixed rules. */
export interface Scenario {
  readonly city: City;
  /** One person's stays on a simulation day (covering the day; cut at the end of the run by the runner). */
  stays(agent: Agent, context: DayContext, rng: Xoshiro128, runEnd: number): Stay[];
  /** Infections from outside at the start (simulation ms, may be negative: infected before day 0). */
  readonly seeds: ReadonlyArray<{ agent: number; at: number }>;
  readonly decide?: TransmissionDecision;
  readonly course?: CourseDrawer;
  /** The disease's transmission, course and reporting, when not DEFAULT_DISEASE. */
  readonly disease?: DiseaseParameters;
  /** Superspreading events (their attendees' stays are in `stays`; Epidemic applies their hazard). */
  readonly gatherings?: readonly Gathering[];
}

export interface GeneratedScenarioOptions {
  readonly population: number;
  readonly seed: Seed;
  /** People infected from outside at the start (default: one per 1,500 people, at least 3). */
  readonly initialInfections?: number;
  readonly appAdoption?: number;
  /** The disease's transmission, course and reporting (default DEFAULT_DISEASE). */
  readonly disease?: DiseaseParameters;
  /**
   * People of the town infected outside the city (travel, commuting to elsewhere), on average `perDay` a day from the
   * start of simulation day `fromDay` (negative: before the run) to the start of day `toDay`, at random times and
   * people (never the village's: it keeps to itself). Default: none.
   */
  readonly importations?: Importations;
  /** A village a few kilometres from the town (city.ts); the choir, if any, is then the village's. */
  readonly village?: VillageOptions;
  /**
   * A superspreading event: a neighbourhood choir's rehearsal on a given simulation day, with the Skagit County
   * attack rate (see gathering.ts), brought by a singer infected from outside. Default: none.
   */
  readonly choir?: ChoirOptions;
}

export interface Importations {
  readonly perDay: number;
  readonly fromDay: number;
  readonly toDay: number;
}

/** The agent-based city with random schedules and seeded infections. */
export function generatedScenario(options: GeneratedScenarioOptions): Scenario {
  const city = generateCity({
    population: options.population,
    seed: options.seed,
    appAdoption: options.appAdoption,
    ...(options.village ? { village: options.village } : {}),
  });
  const rng = createRng(options.seed, 3);
  const count = Math.min(
    options.population,
    options.initialInfections ?? Math.max(3, Math.round(options.population / 1500)),
  );
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(rng.nextInt(options.population));
  // Infected 0-3 days before the start, so the first cases fall ill in the first days.
  const seeds = [
    ...[...chosen].map((agent) => ({ agent, at: -Math.floor(rng.nextFloat() * 3 * MS_PER_DAY) })),
    ...importedInfections(city, options),
  ];
  const stays = (agent: Agent, context: DayContext, r: Xoshiro128) => dailyStays(city, agent, context, r);
  const disease = options.disease ?? DEFAULT_DISEASE;
  const draw: CourseDrawer = (agent, infectedAt, infector, r) =>
    drawCourse(r, infectedAt, infector, city.agents[agent]!.hasApp, disease);
  const given = options.disease ? { disease: options.disease, course: draw } : {};
  if (options.choir === undefined) return { city, seeds, stays, ...given };

  const choir = neighbourhoodChoir(
    city,
    city.village === undefined ? options.choir : { neighbourhood: city.village, ...options.choir },
  );
  const seats = new Map(choir.attendees.map((agent, i) => [agent, i % city.places[choir.place]!.spots]));
  const onDay = Math.floor(choir.start / MS_PER_DAY);
  return {
    city,
    ...(options.disease ? { disease: options.disease } : {}),
    gatherings: [choir],
    // The index singer caught it outside the city; their course is moved so they sing while infectious.
    seeds: [...seeds.filter((s) => s.agent !== choir.index), { agent: choir.index, at: choir.start - 3 * MS_PER_DAY }],
    course: (agent, infectedAt, infector, r) => {
      const drawn = draw(agent, infectedAt, infector, r);
      return agent === choir.index && infector === null ? presymptomaticAt(drawn, choir.start) : drawn;
    },
    stays: (agent, context, r) => {
      const day = stays(agent, context, r);
      const seat = seats.get(agent.id);
      if (seat === undefined || context.day !== onDay || context.staysHome) return day;
      return withGathering(day, choir, agent.home, seat);
    },
  };
}

/** The town's infections from outside over the days (options.importations), seeded. */
function importedInfections(city: City, options: GeneratedScenarioOptions): Array<{ agent: number; at: number }> {
  const imports = options.importations;
  if (imports === undefined) return [];
  const town = city.agents.filter((a) => city.places[a.home]!.neighbourhood !== city.village).map((a) => a.id);
  if (town.length === 0) return [];
  const rng = createRng(options.seed, 5);
  const from = imports.fromDay * MS_PER_DAY;
  const span = Math.max(0, imports.toDay - imports.fromDay) * MS_PER_DAY;
  const count = Math.round(imports.perDay * (span / MS_PER_DAY));
  return Array.from({ length: count }, () => ({
    agent: town[rng.nextInt(town.length)]!,
    at: from + Math.floor(rng.nextFloat() * span),
  }));
}
