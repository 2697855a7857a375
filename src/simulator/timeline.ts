import { MS_PER_DAY } from '../platform/time/calendar.js';

/**
 * Where simulated time lands in real time (pure).
 *
 * The server refuses observations from the future and onset dates after today, so a run replays the last `days`
 * calendar days (UTC) up to now: simulation time 0 is midnight `days − 1` days before the start, and it advances
 * `speedUp` times faster than the wall clock until it catches up with it. Simulation time τ is released at wall time
 * `wallStart + τ / speedUp`, and stamped `origin + τ`, which is never later than the wall clock at release.
 */
export interface Timeline {
  /** Epoch ms of simulation time 0 (a UTC midnight). */
  readonly origin: number;
  readonly wallStart: number;
  readonly speedUp: number;
  /** Simulation time at which the run has caught up with the wall clock: its end. */
  readonly end: number;
  readonly days: number;
}

export function planTimeline(wallStart: number, days: number, speedUp: number): Timeline {
  if (!Number.isInteger(days) || days < 1) throw new RangeError('days must be a positive integer');
  if (!(speedUp > 1))
    throw new RangeError('the speed-up must be greater than 1: simulated time has to catch up with the wall clock');
  const origin = Math.floor(wallStart / MS_PER_DAY) * MS_PER_DAY - (days - 1) * MS_PER_DAY;
  // origin + τ = wallStart + τ / speedUp  ⇔  τ = (wallStart − origin) · speedUp / (speedUp − 1)
  const end = Math.floor(((wallStart - origin) * speedUp) / (speedUp - 1));
  return { origin, wallStart, speedUp, end, days };
}

/** Epoch ms of a simulation time. */
export function stampOf(timeline: Timeline, simTime: number): number {
  return timeline.origin + simTime;
}

/** Wall-clock time at which simulation time is released. */
export function releaseAt(timeline: Timeline, simTime: number): number {
  return timeline.wallStart + simTime / timeline.speedUp;
}

/** UTC calendar date (YYYY-MM-DD) of a simulation time. */
export function dateOf(timeline: Timeline, simTime: number): string {
  return new Date(stampOf(timeline, simTime)).toISOString().slice(0, 10);
}

/** Day of the week (0 = Sunday) of simulation day `day`. */
export function weekdayOf(timeline: Timeline, day: number): number {
  return new Date(timeline.origin + day * MS_PER_DAY).getUTCDay();
}
