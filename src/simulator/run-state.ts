import type { EpitraceClient } from '../../web/sdk/index.js';
import type { Seed, Xoshiro128 } from '../modules/zones/prng.js';
import type { City } from './city.js';
import type { Epidemic } from './epidemic.js';
import type { RequestLog, TaskPool } from './pacing.js';
import type { Phone } from './phones.js';
import type { ReportInput } from './report.js';
import type { Scenario } from './scenario.js';
import type { StaffSession } from './staff-session.js';
import type { Timeline } from './timeline.js';

/** What the steps of a simulation run share (see runner.ts). */
export interface Run {
  readonly seed: Seed;
  readonly scenario: Scenario;
  readonly city: City;
  /** Wall-clock start of the run, epoch ms. */
  readonly wallStart: number;
  readonly timeline: Timeline;
  readonly totalDays: number;
  readonly log: RequestLog;
  readonly pool: TaskPool;
  readonly anonymous: EpitraceClient;
  readonly epidemic: Epidemic;
  readonly rng: Xoshiro128;
  /** App users' phones, by agent. */
  readonly phones: Map<number, Phone>;
  /** Agent of each registered user id. */
  readonly byUser: Map<string, number>;
  readonly counters: ReportInput['counters'];
  /** Wall-clock time of each agent's first report (self-report or confirmation). */
  readonly firstReportWall: Map<number, number>;
  /** Case id of each confirmed app user, by agent. */
  readonly caseIds: Map<number, string>;
  // What the progress reports show.
  phase: string;
  currentDay: number;
  simulatedAt: number;
  lagMs: number;
  /** Simulation time at which the run ends: the planned end, or later when the run fell behind (see dayBounds). */
  runEnd: number;
}

/** The staff signed in for the run. */
export interface Staff {
  /** Confirms cases and reads their contacts. */
  readonly professional: StaffSession;
  /** Imports the line list, reads zones and alerts (optional). */
  readonly authority: StaffSession | undefined;
}
