import type { Xoshiro128 } from '../modules/zones/prng.js';
import { MS_PER_DAY } from '../platform/time/calendar.js';

/** The course of one infection, in simulation time (ms since the start of day 0). */
export interface Course {
  readonly infectedAt: number;
  /** Who infected them; null for an infection from outside the city (the seeds). */
  readonly infector: number | null;
  readonly infectiousFrom: number;
  readonly infectiousUntil: number;
  /** Symptom onset; null when the infection stays asymptomatic. */
  readonly onsetAt: number | null;
  /** Relative infectiousness (asymptomatic infections transmit less). */
  readonly infectiousness: number;
  /** When the person reports symptoms in the app; null: never. */
  readonly selfReportAt: number | null;
  /** When a health professional confirms the case by a test; null: never. */
  readonly confirmedAt: number | null;
  /** Stays at home (isolates) from this time until infectiousUntil; null: never. */
  readonly isolatesFrom: number | null;
}

export interface DiseaseParameters {
  /** Transmission hazard per minute of close contact with a fully infectious person. */
  readonly betaClose: number;
  /** Hazard per minute of sharing a building (not a home) with them at a distance. */
  readonly betaFar: number;
  readonly symptomaticShare: number;
  readonly asymptomaticInfectiousness: number;
  /** Share of symptomatic app users who report their symptoms in the app. */
  readonly selfReportShare: number;
  /** Share of self-reporters confirmed by a test afterwards. */
  readonly confirmAfterReportShare: number;
  /** Share of symptomatic people who do not self-report but are tested and confirmed (at a clinic). */
  readonly clinicConfirmShare: number;
  /** Share of symptomatic people who stay home once sick. */
  readonly stayHomeWhenSickShare: number;
}

export const DEFAULT_DISEASE: DiseaseParameters = {
  betaClose: 2.5e-4,
  betaFar: 8e-6,
  symptomaticShare: 0.65,
  asymptomaticInfectiousness: 0.5,
  selfReportShare: 0.6,
  confirmAfterReportShare: 0.8,
  clinicConfirmShare: 0.3,
  stayHomeWhenSickShare: 0.5,
};

/**
 * Draws an SEIR course (pure given the generator): latent 2-4 days, then infectious; symptomatic ones fall ill
 * 0.5-2 days later and stay infectious 5 days after onset (GAEN's window: onset - 2 .. + 5); asymptomatic ones
 * are infectious 6 days. Reports come after onset; a report or a confirmation sends the person home.
 */
export function drawCourse(
  rng: Xoshiro128,
  infectedAt: number,
  infector: number | null,
  hasApp: boolean,
  p: DiseaseParameters,
): Course {
  const infectiousFrom = infectedAt + (2 + 2 * rng.nextFloat()) * MS_PER_DAY;
  if (rng.nextFloat() >= p.symptomaticShare) {
    return {
      infectedAt,
      infector,
      infectiousFrom,
      infectiousUntil: infectiousFrom + 6 * MS_PER_DAY,
      onsetAt: null,
      infectiousness: p.asymptomaticInfectiousness,
      selfReportAt: null,
      confirmedAt: null,
      isolatesFrom: null,
    };
  }
  const onsetAt = infectiousFrom + (0.5 + 1.5 * rng.nextFloat()) * MS_PER_DAY;
  let selfReportAt: number | null = null;
  let confirmedAt: number | null = null;
  if (hasApp && rng.nextFloat() < p.selfReportShare) {
    selfReportAt = onsetAt + (0.25 + 1.25 * rng.nextFloat()) * MS_PER_DAY;
    if (rng.nextFloat() < p.confirmAfterReportShare)
      confirmedAt = selfReportAt + (0.5 + 1.5 * rng.nextFloat()) * MS_PER_DAY;
  } else if (rng.nextFloat() < p.clinicConfirmShare) {
    confirmedAt = onsetAt + (1 + 2 * rng.nextFloat()) * MS_PER_DAY;
  }
  const stayHome = rng.nextFloat() < p.stayHomeWhenSickShare ? onsetAt : null;
  const reported = Math.min(selfReportAt ?? Infinity, confirmedAt ?? Infinity);
  const isolatesFrom = Math.min(stayHome ?? Infinity, reported);
  return {
    infectedAt,
    infector,
    infectiousFrom,
    infectiousUntil: onsetAt + 5 * MS_PER_DAY,
    onsetAt,
    infectiousness: 1,
    selfReportAt,
    confirmedAt,
    isolatesFrom: Number.isFinite(isolatesFrom) ? isolatesFrom : null,
  };
}

/** Infectiousness of a course at time t (0 outside its infectious period). */
export function infectiousnessAt(course: Course, t: number): number {
  return t >= course.infectiousFrom && t < course.infectiousUntil ? course.infectiousness : 0;
}

export function isIsolating(course: Course | undefined, t: number): boolean {
  return course !== undefined && course.isolatesFrom !== null && t >= course.isolatesFrom && t < course.infectiousUntil;
}
