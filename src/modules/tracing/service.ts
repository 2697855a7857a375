import { createHash, randomUUID } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { lockKeys } from '../../platform/db/write-locks.js';
import type { NotificationsService } from '../notifications/service.js';
import type { ExposureFacts } from '../notifications/model.js';
import { addDays, calendarDay, startOfDay } from '../../platform/time/calendar.js';
import {
  combineIntoRisks,
  encounterEpisode,
  episodeBetween,
  overlaps,
  presenceProbes,
  scoreContact,
  tallyRisk,
  type DayTally,
  timeBucket,
  type ExposureRiskDraft,
  type PresenceRecord,
  type ScoredContact,
  VENUE_PREFIX,
} from './matching.js';
import { infectiousWindow, tierFor, tierRose, withinGpsRadius, type RiskModelConfig, type SourceCase } from './risk-model.js';
import { toPresence, type ActiveCase, type TracingRepository } from './repository.js';

export interface TracingSettings {
  readonly riskModel: RiskModelConfig;
  readonly timeZone: string;
  readonly bucketMinutes: number;
  /** Rings of neighbouring H3 cells searched around a location (from the GPS radius and the resolution). */
  readonly rings: number;
  /** Longest single observation accepted at ingest: bounds how early an overlapping observation may start. */
  readonly maxDurationMs: number;
}

export interface TraceOutcome {
  readonly risks: number;
  readonly notifications: number;
  readonly contacts: number;
}

/** The event a case manager's live stream receives for each new or updated exposure risk. */
export const staffChannel = (staffId: string) => `staff:${staffId}`;

export interface ExposureRiskEvent {
  readonly type: 'exposure_risk';
  /** Position in the case manager's stream (the SSE event id). */
  readonly seq: number;
  readonly case_id: string;
  readonly contact_user_id: string;
  readonly exposure_risk_id: string;
  readonly interaction_id: string;
  readonly risk_level: number;
  readonly weighted_minutes: number;
  readonly exposure_date: string;
  readonly contact_kind: string;
  readonly tier: string;
  readonly updated_at: string;
}

/** How far apart the clocks of two processes may be: a risk written this long before a trace began reading is old. */
const CLOCK_SKEW_MS = 1_000;

interface PersistOptions {
  readonly mirrored: NewRow<'interactions'>[];
  /**
   * A full trace of this case, which began reading at `readFrom`: its risks not in this trace are removed (unless
   * written since: a late upload's match in another process), and the case is marked traced.
   */
  readonly tracedCase?: { readonly row: Row<'cases'>; readonly readFrom: number; readonly cell: string | null };
  /** Mirrored encounters the uploaders' own recordings replace. */
  readonly replaceMirrorsOf?: ReadonlyArray<{ userId: string; peers: string[]; from: number; to: number }>;
}

const NO_OUTCOME: TraceOutcome = { risks: 0, notifications: 0, contacts: 0 };

/** A stable id for the mirrored side of an encounter, so re-tracing never stores it twice. */
function mirroredId(sourceInteractionId: string): string {
  const h = createHash('sha256').update(`mirror:${sourceInteractionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function sourceCaseOf(row: Pick<Row<'cases'>, 'onset_date' | 'report_date' | 'created_at' | 'report_type'>, timeZone: string): SourceCase {
  return {
    onsetDay: row.onset_date,
    reportDay: row.report_date ?? calendarDay(row.created_at, timeZone),
    reportType: row.report_type,
  };
}

/** The infectious window of a case as epoch milliseconds [start, end) in the deployment's calendar. */
export function caseWindowMs(row: Pick<Row<'cases'>, 'onset_date' | 'report_date' | 'created_at' | 'report_type'>, settings: Pick<TracingSettings, 'riskModel' | 'timeZone'>): { start: number; end: number } {
  const source = sourceCaseOf(row, settings.timeZone);
  const window = infectiousWindow(source.onsetDay, source.reportDay, settings.riskModel);
  return { start: startOfDay(window.fromDay, settings.timeZone), end: startOfDay(addDays(window.toDay, 1), settings.timeZone) };
}

export class TracingService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tracing: TracingRepository,
    private readonly notifications: NotificationsService,
    private readonly bus: EventBus,
    private readonly settings: TracingSettings,
    private readonly log: FastifyBaseLogger,
  ) {}

  /**
   * Traces a case: every observation of the source in the infectious window is matched against other
   * people's by index lookups (co-location in the same or neighbouring cells and overlapping buckets, the
   * same venue, Bluetooth encounters in both directions), scored with the risk model, written once per
   * (exposed interaction, case), and people whose daily tier rose are notified. Idempotent.
   */
  async traceCase(caseId: string): Promise<TraceOutcome> {
    const row = await this.tracing.findCase(caseId);
    if (row === undefined || row.status !== 'active') return NO_OUTCOME;
    const source = sourceCaseOf(row, this.settings.timeZone);
    const window = caseWindowMs(row, this.settings);
    if (row.window_start !== window.start || row.window_end !== window.end) await this.tracing.setCaseWindow(row.id, window.start, window.end);

    const readFrom = Date.now();
    const sources = await this.tracing.interactionsOf(row.user_id, window.start, window.end, this.settings.maxDurationMs);
    // A trace is several steps of synchronous work on SQLite (its statements run on this thread): requests that
    // arrived meanwhile are let in between the steps instead of waiting for the whole trace.
    await yieldToEventLoop();
    // Cluster detection's place of the case: written with the trace's last transaction, off the notification path.
    const cell = mostVisitedCell(sources) ?? row.cell;
    const contacts: ScoredContact[] = [];
    const score = (exposed: PresenceRecord, found: Parameters<typeof scoreContact>[1] | null) => {
      if (found !== null) contacts.push(scoreContact(exposed, found, this.settings.riskModel, this.settings.timeZone));
    };

    // Co-location and venues: every place a source observation could share, probed over the source's time there.
    const { probes, byPlace } = presenceProbes(sources, this.settings.bucketMinutes, this.settings.rings, this.settings.riskModel.gps.radiusMeters);
    // Bluetooth, both directions: encounters others' phones recorded with the source's tokens (looked up while the
    // places are), and those only the source's phone recorded (mirrored into the peer's history so the risk belongs
    // to the peer).
    const [candidates, seenBySource] = await Promise.all([
      this.tracing.presentDuring(probes, { excludeUserId: row.user_id, maxDurationMs: this.settings.maxDurationMs }),
      this.tracing.encountersWith(row.user_id, window.start, window.end, this.settings.maxDurationMs),
    ]);
    for (const exposed of candidates) {
      for (const s of byPlace.get(exposed.place!) ?? []) {
        if (!overlaps(exposed, s) || !this.withinRadius(exposed, s)) continue;
        score(exposed, episodeBetween(exposed, s, source));
      }
    }

    for (const exposed of seenBySource) score(exposed, encounterEpisode(exposed, source));
    const mirrored: NewRow<'interactions'>[] = [];
    for (const s of sources) {
      if (s.kind !== 'proximity' || s.peerUserId === null || s.attenuationDb === null) continue;
      const recordedByPeer = seenBySource.some((e) => e.userId === s.peerUserId && e.startMs < s.endMs && s.startMs < e.endMs);
      if (recordedByPeer) continue;
      const id = mirroredId(s.interactionId);
      mirrored.push({
        id,
        user_id: s.peerUserId,
        kind: 'proximity',
        location: null,
        lat: null,
        lng: null,
        accuracy_m: null,
        venue_id: null,
        peer_token: null,
        attenuation_db: s.attenuationDb,
        timestamp: s.startMs,
        ended_at: s.endMs,
        time_bucket: timeBucket(s.startMs, this.settings.bucketMinutes),
        received_at: Date.now(),
        peer_user_id: row.user_id,
        origin: 'mirrored',
      });
      const exposed: PresenceRecord = { ...s, interactionId: id, userId: s.peerUserId, peerUserId: row.user_id };
      score(exposed, encounterEpisode(exposed, source));
    }

    const drafts = combineIntoRisks(row.id, contacts, this.settings.riskModel);
    await yieldToEventLoop();
    return this.persist(drafts, { mirrored, tracedCase: { row, readFrom, cell } });
  }

  /** Matches one upload (see matchUploads). */
  matchUpload(userId: string, interactionIds: readonly string[]): Promise<TraceOutcome> {
    return this.matchUploads([{ userId, interactionIds }]);
  }

  /**
   * Matches observations uploaded after a trace against the active cases they overlap, and re-traces an uploader's
   * own case if they are one. Runs as a job after the uploads are stored; uploads that queued up are matched together.
   */
  async matchUploads(uploads: ReadonlyArray<{ readonly userId: string; readonly interactionIds: readonly string[]; readonly stored?: readonly Row<'interactions'>[] }>): Promise<TraceOutcome> {
    const given = uploads.flatMap((u) => u.stored ?? []).map(toPresence);
    const unread = uploads.filter((u) => u.stored === undefined).flatMap((u) => u.interactionIds);
    const records = unread.length === 0 ? given : [...given, ...(await this.tracing.interactionsByIds(unread))];
    if (records.length === 0) return NO_OUTCOME;
    const cases = await this.tracing.activeCasesOverlapping(Math.min(...records.map((r) => r.startMs)), Math.max(...records.map((r) => r.endMs)) + 1);
    if (cases.length === 0) return NO_OUTCOME;
    // An uploader's own case is traced again, which covers everything of that case.
    const uploaders = new Set(uploads.map((u) => u.userId));
    let outcome = NO_OUTCOME;
    for (const own of cases.filter((c) => uploaders.has(c.user_id))) outcome = add(outcome, await this.traceCase(own.id));
    const caseOf = new Map(cases.filter((c) => !uploaders.has(c.user_id)).map((c) => [c.user_id, c]));
    if (caseOf.size === 0) return outcome;

    const contacts = new Map<string, ScoredContact[]>();
    const push = (caseRow: ActiveCase, exposed: PresenceRecord, found: Parameters<typeof scoreContact>[1] | null) => {
      if (found === null) return;
      const list = contacts.get(caseRow.id) ?? [];
      list.push(scoreContact(exposed, found, this.settings.riskModel, this.settings.timeZone));
      contacts.set(caseRow.id, list);
    };
    const inWindow = (caseRow: ActiveCase, r: PresenceRecord) => (caseRow.window_start ?? 0) < r.endMs && r.startMs < (caseRow.window_end ?? 0);

    // The uploaded stays probe the places they could share; the active cases' own stays there are the sources.
    const { probes, byPlace } = presenceProbes(records, this.settings.bucketMinutes, this.settings.rings, this.settings.riskModel.gps.radiusMeters);
    const sourceRecords = probes.length === 0 ? [] : await this.tracing.presentDuring(probes, { onlyUsers: [...caseOf.keys()], maxDurationMs: this.settings.maxDurationMs });
    for (const s of sourceRecords) {
      const caseRow = caseOf.get(s.userId);
      if (caseRow === undefined || !inWindow(caseRow, s)) continue;
      for (const exposed of byPlace.get(s.place!) ?? []) {
        if (!overlaps(exposed, s) || !this.withinRadius(exposed, s)) continue;
        push(caseRow, exposed, episodeBetween(exposed, s, sourceCaseOf(caseRow, this.settings.timeZone)));
      }
    }
    // Bluetooth: an encounter with a case's token; it replaces the copy a trace made from the case's own recording.
    // The copies replaced are those of the uploader's time span, as in one upload.
    const replaced = new Map<string, { peers: Set<string>; from: number; to: number }>();
    for (const r of records) {
      let span = replaced.get(r.userId);
      if (span === undefined) replaced.set(r.userId, (span = { peers: new Set<string>(), from: r.startMs, to: r.endMs }));
      span.from = Math.min(span.from, r.startMs);
      span.to = Math.max(span.to, r.endMs);
      if (r.kind !== 'proximity' || r.peerUserId === null) continue;
      const caseRow = caseOf.get(r.peerUserId);
      if (caseRow === undefined || !inWindow(caseRow, r)) continue;
      push(caseRow, r, encounterEpisode(r, sourceCaseOf(caseRow, this.settings.timeZone)));
      span.peers.add(r.peerUserId);
    }
    const drafts = [...contacts].flatMap(([caseId, list]) => combineIntoRisks(caseId, list, this.settings.riskModel));
    const replaceMirrorsOf = [...replaced].filter(([, m]) => m.peers.size > 0).map(([userId, m]) => ({ userId, peers: [...m.peers], from: m.from, to: m.to }));
    return add(outcome, await this.persist(drafts, { mirrored: [], replaceMirrorsOf }));
  }

  /**
   * Two GPS stays farther apart than the radius never count (the risk model drops them): skipping them before
   * scoring saves most of a trace's scoring work, since a probe returns everyone in the neighbouring cells.
   */
  private withinRadius(a: PresenceRecord, b: PresenceRecord): boolean {
    if (a.kind !== 'location' || b.kind !== 'location' || a.lat === null || a.lng === null || b.lat === null || b.lng === null) return true;
    return withinGpsRadius({ lat: a.lat, lng: a.lng }, { lat: b.lat, lng: b.lng }, this.settings.riskModel);
  }

  /**
   * Writes a trace's risks. When some people's days may rise to a notification, they are notified first, in a
   * transaction of its own that stores only their notifications and days (the outbox: pushed once it commits), with
   * each day's total worked out from its stored risks and this trace's drafts; the risks follow in a second
   * transaction, which works out every day's total again from the stored risks and notifies any rise the first missed
   * (another process's risks of the same day). A day can only rise if its stored total plus this trace's new minutes
   * reaches the medium tier, so looking at those days alone never withholds a notification.
   */
  private async persist(drafts: readonly ExposureRiskDraft[], options: PersistOptions): Promise<TraceOutcome> {
    if (drafts.length === 0 && !options.tracedCase && options.mirrored.length === 0 && (options.replaceMirrorsOf ?? []).length === 0) return NO_OUTCOME;
    const urgentDays = await this.daysThatMayRise(drafts);
    const urgent = drafts.filter((d) => urgentDays.has(personDay(d.exposed_user_id, d.exposure_date)));
    const early = urgent.length === 0 ? [] : await this.notifyFirst(urgent, drafts, options);
    if (early.length > 0) await yieldToEventLoop(); // the notifications are out; the risks' write can wait a turn
    return this.writeRisks(drafts, options, early);
  }

  /**
   * Notifies the people whose day rises with this trace, before its risks are written. A day's total here is its
   * stored risks, except those this trace replaces (the same interaction and case, or any of a fully traced case's
   * own, which the risks' write replaces or removes), plus this trace's drafts: what the risks' write will find,
   * short of risks written meanwhile elsewhere (which that write then counts). Returns the notifications stored.
   */
  private async notifyFirst(urgent: readonly ExposureRiskDraft[], drafts: readonly ExposureRiskDraft[], options: PersistOptions): Promise<Row<'notifications'>[]> {
    const now = Date.now();
    const replaced = new Set(drafts.map((d) => `${d.interaction_id}|${d.case_id}`));
    const tracedCaseId = options.tracedCase?.row.id;
    const created = await this.db.transaction().execute(async (trx) => {
      const keys = [...new Map(urgent.map((d) => [personDay(d.exposed_user_id, d.exposure_date), [d.exposed_user_id, d.exposure_date] as const])).entries()];
      await lockKeys(trx, keys.map(([key]) => `exposure-day:${key}`));
      const days = await this.tracing.exposureDays(trx, keys.map(([, k]) => k));
      const totals = new Map<string, DayTally<RiskFacts>>();
      for (const r of await this.tracing.risksOfDays(trx, keys.map(([, k]) => k))) {
        if (r.exposed_user_id === null || r.case_id === tracedCaseId || replaced.has(`${r.interaction_id}|${r.case_id}`)) continue;
        tallyRisk(totals, personDay(r.exposed_user_id, r.exposure_date), r);
      }
      for (const d of urgent) tallyRisk<RiskFacts>(totals, personDay(d.exposed_user_id, d.exposure_date), d);
      const rising: Array<{ userId: string; date: string; tier: 'medium' | 'high'; day: DayTally<RiskFacts> }> = [];
      for (const [key, [userId, date]] of keys) {
        const day = totals.get(key)!;
        const tier = tierFor(day.total, this.settings.riskModel);
        if (tier !== 'low' && tierRose(days.get(key)?.notified_tier ?? null, tier)) rising.push({ userId, date, tier, day });
      }
      if (rising.length === 0) return [];
      const venueCodes = rising.flatMap(({ day }) => venueCodeOf(day.main) ?? []);
      const venueNames = venueCodes.length === 0 ? new Map<string, string>() : await this.tracing.venueNames(trx, venueCodes);
      const notified = await this.notifications.createMany(
        trx,
        rising.map(({ userId, date, tier, day }) => ({ userId, facts: factsOf(tier, date, day.total, day, venueNames) })),
        now,
      );
      // The day's total and tier until the risks' write works them out from the stored risks.
      await this.tracing.upsertExposureDays(
        trx,
        rising.map(({ userId, date, tier, day }) => ({ user_id: userId, date, weighted_minutes: day.total, tier, notified_tier: tier, updated_at: now })),
      );
      return notified;
    });
    await this.notifications.publishCreated(created);
    return created;
  }

  /** Person-days whose tier may rise above what they were notified of: stored total + this trace's minutes ≥ medium. */
  private async daysThatMayRise(drafts: readonly ExposureRiskDraft[]): Promise<Set<string>> {
    const bound = new Map<string, number>();
    for (const d of drafts) {
      const key = personDay(d.exposed_user_id, d.exposure_date);
      bound.set(key, (bound.get(key) ?? 0) + d.weighted_minutes);
    }
    const reachable = [...bound].filter(([, minutes]) => minutes > 0);
    const stored = reachable.length === 0 ? new Map<string, Row<'exposure_days'>>() : await this.tracing.exposureDays(this.db, reachable.map(([key]) => key.split('|') as [string, string]));
    const out = new Set<string>();
    for (const [key, minutes] of reachable) {
      const day = stored.get(key);
      const tier = tierFor(minutes + (day?.weighted_minutes ?? 0), this.settings.riskModel);
      if (tier !== 'low' && tierRose(day?.notified_tier ?? null, tier)) out.add(key);
    }
    return out;
  }

  /** Writes risks and the days they touch, notifying rises not yet notified; `early`: this trace's notifications sent first. */
  private async writeRisks(drafts: readonly ExposureRiskDraft[], options: PersistOptions, early: readonly Row<'notifications'>[] = []): Promise<TraceOutcome> {
    const now = Date.now();
    const created: Row<'notifications'>[] = [];
    const managers = drafts.length === 0 ? new Map<string, string>() : await this.tracing.managersOf([...new Set(drafts.map((d) => d.case_id))]);
    const result = await this.db.transaction().execute(async (trx) => {
      for (const { userId, peers, from, to } of options.replaceMirrorsOf ?? []) await this.tracing.deleteMirroredEncounters(trx, userId, peers, from, to);
      await this.tracing.insertMirrored(trx, options.mirrored);
      const personDays = new Map<string, [string, string]>();
      const stale = options.tracedCase
        ? await this.tracing.staleRisksOfCase(trx, options.tracedCase.row.id, drafts.map((x) => x.interaction_id), options.tracedCase.readFrom - CLOCK_SKEW_MS)
        : [];
      for (const r of stale) if (r.exposed_user_id !== null) personDays.set(personDay(r.exposed_user_id, r.exposure_date), [r.exposed_user_id, r.exposure_date]);
      for (const d of drafts) personDays.set(personDay(d.exposed_user_id, d.exposure_date), [d.exposed_user_id, d.exposure_date]);
      // Another process may be writing risks of the same people's days: their totals and tiers are read after both.
      await lockKeys(trx, [...personDays.keys()].map((key) => `exposure-day:${key}`));
      await this.tracing.deleteRisks(trx, stale.map((r) => r.id));
      const before = managers.size === 0 ? new Map<string, { weighted_minutes: number }>() : await this.tracing.risksFor(drafts.map((d) => [d.interaction_id, d.case_id] as const), trx);
      await this.tracing.upsertRisks(trx, drafts, randomUUID, now);
      // A case manager hears about risks that are new or whose numbers changed, not about every re-trace.
      const changed = drafts.filter((d) => before.get(`${d.interaction_id}|${d.case_id}`)?.weighted_minutes !== d.weighted_minutes);
      const keys = [...personDays.values()];
      const rises = (total: number, notifiedTier: Row<'exposure_days'>['notified_tier']) => {
        const tier = tierFor(total, this.settings.riskModel);
        return tier !== 'low' && tierRose(notifiedTier, tier);
      };
      const states = await this.tracing.dayStates(trx, keys, rises);
      const tiers = new Map<string, string>();
      const dayRows: Parameters<TracingRepository['upsertExposureDays']>[1][number][] = [];
      const mains = new Map<string, { main: Row<'exposure_risks'>; count: number }>();
      for (const [userId, date] of keys) {
        const key = `${userId}|${date}`;
        const state = states.get(key) ?? { total: 0, notifiedTier: null, main: null };
        const tier = tierFor(state.total, this.settings.riskModel);
        tiers.set(key, tier);
        if (state.main !== null && rises(state.total, state.notifiedTier)) mains.set(key, state.main);
        dayRows.push({ user_id: userId, date, weighted_minutes: state.total, tier, notified_tier: state.notifiedTier, updated_at: now });
      }
      const venueCodes = [...mains.values()].flatMap(({ main }) => venueCodeOf(main) ?? []);
      const venueNames = venueCodes.length === 0 ? new Map<string, string>() : await this.tracing.venueNames(trx, venueCodes);
      const toNotify: Array<{ userId: string; facts: ExposureFacts }> = [];
      for (const day of dayRows) {
        const main = mains.get(`${day.user_id}|${day.date}`);
        if (main === undefined) continue;
        const tier = day.tier as 'medium' | 'high';
        toNotify.push({ userId: day.user_id, facts: factsOf(tier, day.date, day.weighted_minutes, main, venueNames) });
        day.notified_tier = tier;
      }
      created.push(...(await this.notifications.createMany(trx, toNotify, now)));
      await this.tracing.upsertExposureDays(trx, dayRows);
      const staffEvents = await this.staffEventsFor(trx, changed, managers, tiers, now);
      if (options.tracedCase) await this.tracing.markTraced(trx, options.tracedCase.row.id, now, options.tracedCase.cell);
      return { tiers, staffEvents, contacts: new Set(drafts.map((d) => d.exposed_user_id)).size };
    });
    await this.notifications.publishCreated(created);
    for (const { staffId, event } of result.staffEvents) {
      await this.bus.publish(staffChannel(staffId), event).catch((error: unknown) => this.log.warn({ err: error }, 'staff event not published; it is replayed from the database'));
    }
    if (drafts.length > 0 || options.tracedCase) {
      const event: DomainEvent = {
        type: 'risks.written',
        case_ids: [...new Set([...drafts.map((d) => d.case_id), ...(options.tracedCase ? [options.tracedCase.row.id] : [])])],
        contacts: result.contacts,
        notifications: [...early, ...created].map((n) => ({ user_id: n.user_id, tier: n.tier, exposure_date: n.exposure_date })),
        at: new Date(now).toISOString(),
      };
      await this.bus.publish(DOMAIN_EVENTS_CHANNEL, event).catch((error: unknown) => this.log.warn({ err: error }, 'domain event not published'));
    }
    this.log.debug({ risks: drafts.length, notifications: early.length + created.length }, 'exposure risks written');
    return { risks: drafts.length, notifications: early.length + created.length, contacts: result.contacts };
  }

  /** Case managers' stream events for the risks just written, stored in the same transaction as the risks. */
  private async staffEventsFor(
    trx: Kysely<Database>,
    drafts: readonly ExposureRiskDraft[],
    managers: Map<string, string>,
    tiers: Map<string, string>,
    now: number,
  ): Promise<Array<{ staffId: string; event: ExposureRiskEvent }>> {
    const managed = drafts.filter((d) => managers.has(d.case_id));
    if (managed.length === 0) return [];
    const risks = await this.tracing.risksFor(managed.map((d) => [d.interaction_id, d.case_id] as const), trx);
    const byStaff = new Map<string, Omit<ExposureRiskEvent, 'seq'>[]>();
    for (const d of managed) {
      const staffId = managers.get(d.case_id)!;
      const list = byStaff.get(staffId) ?? [];
      list.push({
        type: 'exposure_risk',
        case_id: d.case_id,
        contact_user_id: d.exposed_user_id,
        exposure_risk_id: risks.get(`${d.interaction_id}|${d.case_id}`)?.id ?? '',
        interaction_id: d.interaction_id,
        risk_level: d.risk_level,
        weighted_minutes: d.weighted_minutes,
        exposure_date: d.exposure_date,
        contact_kind: d.contact_kind,
        tier: tiers.get(personDay(d.exposed_user_id, d.exposure_date)) ?? 'low',
        updated_at: new Date(now).toISOString(),
      });
      byStaff.set(staffId, list);
    }
    const out: Array<{ staffId: string; event: ExposureRiskEvent }> = [];
    for (const [staffId, events] of byStaff) {
      const seqs = await this.tracing.insertStaffEvents(trx, staffId, events, now);
      events.forEach((event, i) => out.push({ staffId, event: { ...event, seq: seqs[i]! } }));
    }
    return out;
  }
}

/** A person's day as a map key. */
const personDay = (userId: string, date: string) => `${userId}|${date}`;

/** What a notification tells of the day's heaviest risk (a stored risk or a trace's draft). */
type RiskFacts = Pick<Row<'exposure_risks'>, 'contact_kind' | 'place' | 'episode_start' | 'episode_end' | 'minutes' | 'weighted_minutes'>;

/** The venue code of a risk found at a venue, or null. */
function venueCodeOf(risk: Pick<RiskFacts, 'place'>): string | null {
  return risk.place?.startsWith(VENUE_PREFIX) ? risk.place.slice(VENUE_PREFIX.length) : null;
}

function factsOf(tier: 'medium' | 'high', date: string, total: number, day: { main: RiskFacts; count: number }, venueNames: Map<string, string>): ExposureFacts {
  const main = day.main;
  const kind = (main.contact_kind ?? 'gps') as ExposureFacts['main']['contact_kind'];
  const venue = venueCodeOf(main);
  return {
    tier,
    exposure_date: date,
    total_weighted_minutes: Math.round(total * 10) / 10,
    episodes: day.count,
    main: {
      contact_kind: kind,
      place: venue ?? main.place,
      ...(venue !== null && venueNames.has(venue) ? { venue_name: venueNames.get(venue)! } : {}),
      started_at: main.episode_start ?? 0,
      ended_at: main.episode_end ?? 0,
      minutes: Math.round(main.minutes),
    },
  };
}

/** Where the source spent most time among their location stays (for cluster detection), or null. */
export function mostVisitedCell(records: readonly PresenceRecord[]): string | null {
  const minutes = new Map<string, number>();
  for (const r of records) if (r.kind === 'location' && r.place !== null) minutes.set(r.place, (minutes.get(r.place) ?? 0) + (r.endMs - r.startMs));
  let best: string | null = null;
  let most = -1;
  for (const [cell, total] of minutes) {
    if (total > most || (total === most && best !== null && cell < best)) {
      best = cell;
      most = total;
    }
  }
  return best;
}

function add(a: TraceOutcome, b: TraceOutcome): TraceOutcome {
  return { risks: a.risks + b.risks, notifications: a.notifications + b.notifications, contacts: a.contacts + b.contacts };
}
