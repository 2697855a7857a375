import type { Agent, City, Place } from './city.js';
import type { Course } from './disease.js';
import type { CourseDrawer, TransmissionDecision } from './epidemic.js';
import type { Scenario } from './scenario.js';
import type { Stay } from './schedule.js';
import { MS_PER_DAY } from '../platform/time/calendar.js';

/** A visit away from home: place, spot and simulation times (may cross days; clipped to each day). */
export interface Outing {
  readonly place: number;
  readonly spot: number;
  readonly start: number;
  readonly end: number;
}

export interface ScriptedScenarioInput {
  readonly places: Place[];
  readonly agents: Agent[];
  /** Each person's outings; `runEnd` is the simulation time at which the run ends (now). */
  readonly outings: (agent: Agent, runEnd: number) => Outing[];
  /** Infections from outside, with their courses given in full. */
  readonly seeds: ReadonlyArray<{ agent: number; course: Course }>;
  /**
   * Who may infect whom ("infector>infectee"): such a pair's first contact while the infector is infectious infects.
   */
  readonly transmissions: ReadonlyArray<readonly [number, number]>;
  /** The course of someone infected during the run (default: not infectious during it, never ill). */
  readonly courseOfInfected?: CourseDrawer;
}

/**
 * A fixed population whose outcome is known in advance: fixed schedules, fixed courses, transmissions only where
 * scripted.
 */
export function scriptedScenario(input: ScriptedScenarioInput): Scenario {
  const city: City = {
    places: input.places,
    agents: input.agents,
    box: { south: -90, west: -180, north: 90, east: 180 },
  };
  const allowed = new Set(input.transmissions.map(([a, b]) => `${a}>${b}`));
  const seeded = new Map(input.seeds.map((s) => [s.agent, s.course]));
  const course: CourseDrawer =
    input.courseOfInfected === undefined
      ? (agent, infectedAt, infector, _rng) =>
          seeded.get(agent) ?? {
            infectedAt,
            infector,
            infectiousFrom: infectedAt + 30 * MS_PER_DAY,
            infectiousUntil: infectedAt + 31 * MS_PER_DAY,
            onsetAt: null,
            infectiousness: 1,
            selfReportAt: null,
            confirmedAt: null,
            isolatesFrom: null,
          }
      : (agent, infectedAt, infector, rng) =>
          seeded.get(agent) ?? input.courseOfInfected!(agent, infectedAt, infector, rng);
  const decide: TransmissionDecision = ({ infector, infectee, contact }) => {
    if (!allowed.has(`${infector}>${infectee}`)) return null;
    const c = seeded.get(infector);
    if (c === undefined) return null;
    const start = Math.max(contact.start, c.infectiousFrom);
    return start < Math.min(contact.end, c.infectiousUntil) ? start : null;
  };
  return {
    city,
    seeds: input.seeds.map((s) => ({ agent: s.agent, at: s.course.infectedAt })),
    decide,
    course,
    stays: (agent, context, _rng, runEnd) => {
      const dayStart = context.day * MS_PER_DAY;
      const dayEnd = dayStart + MS_PER_DAY;
      const stays: Stay[] = [];
      let cursor = dayStart;
      const outings = input
        .outings(agent, runEnd)
        .filter((o) => o.end > dayStart && o.start < dayEnd)
        .sort((a, b) => a.start - b.start);
      for (const o of outings) {
        const start = Math.max(o.start, dayStart);
        const end = Math.min(o.end, dayEnd);
        if (start > cursor) stays.push({ agent: agent.id, place: agent.home, spot: 0, start: cursor, end: start });
        stays.push({ agent: agent.id, place: o.place, spot: o.spot, start, end });
        cursor = end;
      }
      if (cursor < dayEnd) stays.push({ agent: agent.id, place: agent.home, spot: 0, start: cursor, end: dayEnd });
      return stays;
    },
  };
}
