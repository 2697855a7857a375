import { contactsOf, type Contact } from './contacts.js';
import { isIsolating } from './disease.js';
import { observationsOfStay, proximityObservations } from './observations.js';
import { sleepUntil } from './pacing.js';
import { call, uploadReady, type Phone } from './phones.js';
import type { Run, Staff } from './run-state.js';
import type { Stay } from './schedule.js';
import type { StaffSession } from './staff-session.js';
import { MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE } from '../platform/time/calendar.js';
import { dateOf, releaseAt, stampOf, weekdayOf } from './timeline.js';

const SYMPTOMS = ['fever', 'cough', 'loss of smell', 'sore throat', 'fatigue'];

/** A case of someone without the app, for the authority's line list. */
interface LineListRow {
  readonly external_id: string;
  readonly report_date: string;
  readonly onset_date: string | null;
  readonly lat: number;
  readonly lng: number;
}

/** Something a phone or the professional does at simulation time `at`. */
interface TimedAction {
  readonly at: number;
  readonly run: () => Promise<void>;
}

const newId = () => crypto.randomUUID();

/**
 * Lives simulation day `day`: everyone's stays and the infections they cause, what the phones record, then the
 * day's uploads, symptom reports and confirmations at their simulated times, and the day's line list.
 */
export async function simulateDay(
  run: Run,
  staff: Staff,
  venueCodes: ReadonlyMap<number, string>,
  day: number,
): Promise<void> {
  run.currentDay = day;
  run.phase = 'simulating';
  const { dayStart, dayEnd } = dayBounds(run, day);
  const stays = staysOfDay(run, day, dayStart, dayEnd);
  run.epidemic.advance(stays, dayStart, dayEnd);
  queueStayObservations(run, stays, venueCodes);
  await exchangeProximity(run, stays, dayEnd);

  const lineList: LineListRow[] = [];
  const actions = [...uploadActions(run, dayStart, dayEnd), ...reportActions(run, staff, lineList, dayStart, dayEnd)];
  actions.sort((x, y) => x.at - y.at);
  await performInTimeOrder(run, actions);
  await importLineList(run, staff.authority, lineList);
  run.simulatedAt = stampOf(run.timeline, dayEnd);
}

function dayBounds(run: Run, day: number): { dayStart: number; dayEnd: number } {
  const { timeline } = run;
  const dayStart = day * MS_PER_DAY;
  // A run that fell behind its schedule lives its last day on until the present (never past it).
  if (day === run.totalDays - 1) {
    run.runEnd = Math.min(dayStart + MS_PER_DAY, Math.max(timeline.end, Date.now() - timeline.origin));
  }
  return { dayStart, dayEnd: Math.min(dayStart + MS_PER_DAY, run.runEnd) };
}

/** Everyone's day, cut at the end of the run. */
function staysOfDay(run: Run, day: number, dayStart: number, dayEnd: number): Stay[] {
  const { city, epidemic, rng } = run;
  const stays: Stay[] = [];
  const weekday = weekdayOf(run.timeline, day);
  for (const agent of city.agents) {
    const staysHome = isIsolating(epidemic.courses.get(agent.id), dayStart + 8 * MS_PER_HOUR);
    rng.reseed(run.seed, 10_000_000 + day * city.agents.length + agent.id);
    for (const stay of run.scenario.stays(agent, { day, weekday, staysHome }, rng, run.runEnd)) {
      if (stay.start >= dayEnd || stay.end <= dayStart) continue;
      const cut = stay.start < dayStart || stay.end > dayEnd;
      stays.push(cut ? { ...stay, start: Math.max(stay.start, dayStart), end: Math.min(stay.end, dayEnd) } : stay);
    }
  }
  return stays;
}

/** App users' phones record their stays (locations, check-ins), to upload once each stay is over. */
function queueStayObservations(run: Run, stays: readonly Stay[], venueCodes: ReadonlyMap<number, string>): void {
  for (const stay of stays) {
    const phone = run.phones.get(stay.agent);
    if (phone === undefined) continue;
    const venueCode = venueCodes.get(stay.place);
    for (const observation of observationsOfStay(run.city, run.timeline, stay, venueCode, run.rng, newId)) {
      run.counters.observations[observation.kind] += 1;
      phone.queue.push({ observation, readyAt: stay.end });
    }
  }
}

/** Bluetooth: only where the peer held a token, i.e. from the current 15-minute interval on. */
async function exchangeProximity(run: Run, stays: readonly Stay[], dayEnd: number): Promise<void> {
  const { phones, timeline } = run;
  const tokenWindowStart = Math.floor(Date.now() / (15 * MS_PER_MINUTE)) * 15 * MS_PER_MINUTE;
  if (stampOf(timeline, dayEnd) <= tokenWindowStart) return;
  const close = contactsOf(stays, () => false).filter(
    (c) => phones.has(c.a.agent) && phones.has(c.b.agent) && stampOf(timeline, c.end) > tokenWindowStart,
  );
  await fetchMissingTokens(run, close);
  queueProximityObservations(run, close);
}

/** Phones in a close contact fetch their proximity tokens, once. */
async function fetchMissingTokens(run: Run, close: readonly Contact[]): Promise<void> {
  const { log, pool } = run;
  const needing = new Set(close.flatMap((c) => [c.a.agent, c.b.agent]));
  for (const agent of needing) {
    const phone = run.phones.get(agent)!;
    if (phone.tokens !== null) continue;
    await pool.run(async () => {
      const list = await call(log, 'GET /proximity_tokens', () => phone.client.proximityTokens());
      run.counters.tokenFetches += 1;
      phone.tokens = list.tokens.map((t) => ({
        token: t.token,
        validFrom: Date.parse(t.valid_from),
        validTo: Date.parse(t.valid_to),
      }));
    });
  }
  await pool.drain();
}

/** Each side of a close contact records the other's tokens, to upload once the contact is over. */
function queueProximityObservations(run: Run, close: readonly Contact[]): void {
  const { phones } = run;
  for (const contact of close) {
    for (const [observer, peer] of [
      [contact.a, contact.b],
      [contact.b, contact.a],
    ] as const) {
      const phone = phones.get(observer.agent)!;
      const peerTokens = phones.get(peer.agent)!.tokens ?? [];
      for (const observation of proximityObservations(run.timeline, contact, peerTokens, run.rng, newId)) {
        run.counters.observations.proximity += 1;
        phone.queue.push({ observation, readyAt: contact.end });
      }
    }
  }
}

/** Each phone uploads once a day, at its own hour. */
function uploadActions(run: Run, dayStart: number, dayEnd: number): TimedAction[] {
  const actions: TimedAction[] = [];
  for (const phone of run.phones.values()) {
    const at = dayStart + phone.uploadHour * MS_PER_HOUR;
    if (at < dayEnd) actions.push({ at, run: async () => void (await uploadReady(phone, at, run.log)) });
  }
  return actions;
}

/**
 * The day's symptom reports (app users) and confirmations: an app user's case by the professional, anyone else's
 * added to the authority's line list (when there is an authority).
 */
function reportActions(
  run: Run,
  staff: Staff,
  lineList: LineListRow[],
  dayStart: number,
  dayEnd: number,
): TimedAction[] {
  const { city, timeline } = run;
  const today = (at: number | null): at is number => at !== null && at >= dayStart && at < dayEnd;
  const actions: TimedAction[] = [];
  for (const [agent, course] of run.epidemic.courses) {
    const phone = run.phones.get(agent);
    const onsetDate = course.onsetAt === null ? null : dateOf(timeline, Math.max(course.onsetAt, 0));
    const { selfReportAt, confirmedAt } = course;
    if (today(selfReportAt) && phone !== undefined && onsetDate !== null) {
      actions.push({ at: selfReportAt, run: () => reportSymptom(run, agent, phone, onsetDate) });
    }
    if (today(confirmedAt)) {
      const testDate = dateOf(timeline, confirmedAt);
      if (phone !== undefined) {
        const confirm = () => confirmCase(run, staff.professional, agent, phone, testDate, onsetDate);
        actions.push({ at: confirmedAt, run: confirm });
      } else if (staff.authority !== undefined) {
        const home = city.places[city.agents[agent]!.home]!;
        lineList.push({
          external_id: `sim-${agent}`,
          report_date: testDate,
          onset_date: onsetDate,
          lat: home.lat,
          lng: home.lng,
        });
      }
    }
  }
  return actions;
}

async function reportSymptom(run: Run, agent: number, phone: Phone, onsetDate: string): Promise<void> {
  if (!run.firstReportWall.has(agent)) run.firstReportWall.set(agent, Date.now());
  const symptom = SYMPTOMS[agent % SYMPTOMS.length]!;
  await call(run.log, 'POST /symptoms', () => phone.client.reportSymptom({ symptom, date: onsetDate }));
  run.counters.selfReports += 1;
}

async function confirmCase(
  run: Run,
  professional: StaffSession,
  agent: number,
  phone: Phone,
  testDate: string,
  onsetDate: string | null,
): Promise<void> {
  if (!run.firstReportWall.has(agent)) run.firstReportWall.set(agent, Date.now());
  const staff = await professional.get();
  const confirmed = await call(run.log, 'POST /cases', () =>
    staff.confirmCase({
      user_id: phone.userId,
      report_type: 'confirmed_test',
      test_date: testDate,
      // The day the professional enters it: in a replay the server's today is later, so it is sent as the report date.
      report_date: testDate,
      ...(onsetDate ? { onset_date: onsetDate } : {}),
    }),
  );
  run.caseIds.set(agent, confirmed.case.id);
  run.counters.confirmations += 1;
}

/** Starts each action when its simulated time comes on the wall clock, recording how late that was. */
async function performInTimeOrder(run: Run, actions: readonly TimedAction[]): Promise<void> {
  for (const action of actions) {
    const release = releaseAt(run.timeline, action.at);
    await sleepUntil(release);
    run.lagMs = Math.max(0, Date.now() - release);
    run.simulatedAt = stampOf(run.timeline, action.at);
    await run.pool.run(action.run);
  }
  await run.pool.drain();
}

/** The authority imports the day's line list in one batch. */
async function importLineList(run: Run, authority: StaffSession | undefined, lineList: LineListRow[]): Promise<void> {
  if (authority === undefined || lineList.length === 0) return;
  const batch = lineList.splice(0, lineList.length);
  const staff = await authority.get();
  await call(run.log, 'POST /cases/import', () => staff.importLineList(batch));
  run.counters.lineList += batch.length;
}
