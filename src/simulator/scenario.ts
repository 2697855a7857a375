import { createRng, type Seed, type Xoshiro128 } from '../modules/zones/prng.js';
import { generateCity, type Agent, type City } from './city.js';
import { DEFAULT_DISEASE, drawCourse } from './disease.js';
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
  /** Superspreading events (their attendees' stays are in `stays`; Epidemic applies their hazard). */
  readonly gatherings?: readonly Gathering[];
}

export interface GeneratedScenarioOptions {
  readonly population: number;
  readonly seed: Seed;
  /** People infected from outside at the start (default: one per 1,500 people, at least 3). */
  readonly initialInfections?: number;
  readonly appAdoption?: number;
  /**
   * A superspreading event: a neighbourhood choir's rehearsal on a given simulation day, with the Skagit County
   * attack rate (see gathering.ts), brought by a singer infected from outside. Default: none.
   */
  readonly choir?: ChoirOptions;
}

/** The agent-based city with random schedules and seeded infections. */
export function generatedScenario(options: GeneratedScenarioOptions): Scenario {
  const city = generateCity({ population: options.population, seed: options.seed, appAdoption: options.appAdoption });
  const rng = createRng(options.seed, 3);
  const count = Math.min(
    options.population,
    options.initialInfections ?? Math.max(3, Math.round(options.population / 1500)),
  );
  const chosen = new Set<number>();
  while (chosen.size < count) chosen.add(rng.nextInt(options.population));
  // Infected 0-3 days before the start, so the first cases fall ill in the first days.
  const seeds = [...chosen].map((agent) => ({ agent, at: -Math.floor(rng.nextFloat() * 3 * MS_PER_DAY) }));
  const stays = (agent: Agent, context: DayContext, r: Xoshiro128) => dailyStays(city, agent, context, r);
  if (options.choir === undefined) return { city, seeds, stays };

  const choir = neighbourhoodChoir(city, options.choir);
  const seats = new Map(choir.attendees.map((agent, i) => [agent, i % city.places[choir.place]!.spots]));
  const onDay = Math.floor(choir.start / MS_PER_DAY);
  return {
    city,
    gatherings: [choir],
    // The index singer caught it outside the city; their course is moved so they sing while infectious.
    seeds: [...seeds.filter((s) => s.agent !== choir.index), { agent: choir.index, at: choir.start - 3 * MS_PER_DAY }],
    course: (agent, infectedAt, infector, r) => {
      const drawn = drawCourse(r, infectedAt, infector, city.agents[agent]!.hasApp, DEFAULT_DISEASE);
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
