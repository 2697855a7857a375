import { createRng, type Seed, type Xoshiro128 } from '../modules/zones/prng.js';
import type { City } from './city.js';
import { contactsOf, type Contact } from './contacts.js';
import { DEFAULT_DISEASE, drawCourse, infectiousnessAt, type Course, type DiseaseParameters } from './disease.js';
import { gatheringDecision, type Gathering } from './gathering.js';
import type { Stay } from './schedule.js';
import { MS_PER_MINUTE } from '../platform/time/calendar.js';

/** A transmission that happened: the simulator's ground truth. */
export interface Transmission {
  readonly infector: number;
  readonly infectee: number;
  readonly at: number;
  readonly place: number;
  readonly close: boolean;
}

export interface ExposureEvent {
  readonly infector: number;
  readonly infectee: number;
  readonly contact: Contact;
}

/** Decides whether one exposure infects, and when; null: it does not. */
export type TransmissionDecision = (exposure: ExposureEvent, rng: Xoshiro128) => number | null;

/** Draws the course of an infection. */
export type CourseDrawer = (agent: number, infectedAt: number, infector: number | null, rng: Xoshiro128) => Course;

/**
 * Chance of infection = 1 − exp(−β · minutes · infectiousness), β by closeness; the time is uniform over the contact.
 */
export function hazardDecision(disease: DiseaseParameters, courses: ReadonlyMap<number, Course>): TransmissionDecision {
  return ({ infector, contact }, rng) => {
    const course = courses.get(infector);
    if (course === undefined) return null;
    const start = Math.max(contact.start, course.infectiousFrom);
    const end = Math.min(contact.end, course.infectiousUntil);
    if (end <= start) return null;
    const beta = contact.close ? disease.betaClose : disease.betaFar;
    const hazard = beta * ((end - start) / MS_PER_MINUTE) * infectiousnessAt(course, start);
    if (rng.nextFloat() >= 1 - Math.exp(-hazard)) return null;
    return start + Math.floor(rng.nextFloat() * (end - start));
  };
}

export interface EpidemicOptions {
  readonly seed: Seed;
  readonly disease?: DiseaseParameters;
  /** Overrides the random transmission (scripted scenarios). */
  readonly decide?: TransmissionDecision;
  /** Overrides the random course (scripted scenarios). */
  readonly course?: CourseDrawer;
  /** Superspreading events: contacts there transmit with the event's hazard (see gathering.ts). */
  readonly gatherings?: readonly Gathering[];
}

/**
 * SEIR over real contacts (pure, seeded): each simulated day, the day's stays give the contacts, and a
 * susceptible person in contact with an infectious one may be infected. Who infected whom is recorded.
 */
export class Epidemic {
  readonly courses = new Map<number, Course>();
  readonly transmissions: Transmission[] = [];
  private readonly disease: DiseaseParameters;
  private readonly decide: TransmissionDecision;
  private readonly course: CourseDrawer;
  private readonly rng: Xoshiro128;

  constructor(
    private readonly city: City,
    private readonly options: EpidemicOptions,
  ) {
    this.disease = options.disease ?? DEFAULT_DISEASE;
    const decide = options.decide ?? hazardDecision(this.disease, this.courses);
    const gatherings = options.gatherings ?? [];
    this.decide = gatherings.length === 0 ? decide : gatheringDecision(gatherings, this.courses, decide);
    this.course =
      options.course ??
      ((agent, infectedAt, infector, rng) =>
        drawCourse(rng, infectedAt, infector, city.agents[agent]!.hasApp, this.disease));
    this.rng = createRng(options.seed, 2);
  }

  /** Infects people from outside the city. */
  seed(infections: ReadonlyArray<{ agent: number; at: number }>): void {
    for (const { agent, at } of infections) {
      if (!this.courses.has(agent))
        this.courses.set(agent, this.course(agent, at, null, createRng(this.options.seed, 1_000_000 + agent)));
    }
  }

  isInfectious(agent: number, from: number, to: number): boolean {
    const course = this.courses.get(agent);
    return course !== undefined && course.infectiousFrom < to && course.infectiousUntil > from;
  }

  /** Runs one day's contacts; returns the new transmissions (the earliest exposure that infects each person). */
  advance(stays: readonly Stay[], dayStart: number, dayEnd: number): Transmission[] {
    const infectious = new Set<number>();
    for (const [agent, course] of this.courses)
      if (course.infectiousFrom < dayEnd && course.infectiousUntil > dayStart) infectious.add(agent);
    if (infectious.size === 0) return [];
    const contacts = contactsOf(
      stays,
      (place) => this.city.places[place]!.kind !== 'home',
      (agent) => infectious.has(agent),
    );
    const earliest = new Map<number, Transmission>();
    for (const contact of contacts) {
      for (const [from, to] of [
        [contact.a, contact.b],
        [contact.b, contact.a],
      ] as const) {
        if (!infectious.has(from.agent) || this.courses.has(to.agent)) continue;
        const at = this.decide({ infector: from.agent, infectee: to.agent, contact }, this.rng);
        if (at === null) continue;
        const known = earliest.get(to.agent);
        if (known === undefined || at < known.at)
          earliest.set(to.agent, {
            infector: from.agent,
            infectee: to.agent,
            at,
            place: contact.a.place,
            close: contact.close,
          });
      }
    }
    const fresh = [...earliest.values()].sort((x, y) => x.at - y.at || x.infectee - y.infectee);
    for (const t of fresh) {
      this.courses.set(
        t.infectee,
        this.course(t.infectee, t.at, t.infector, createRng(this.options.seed, 1_000_000 + t.infectee)),
      );
      this.transmissions.push(t);
    }
    return fresh;
  }
}
