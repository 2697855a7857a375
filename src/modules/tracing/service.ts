import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { NotificationsService } from '../notifications/service.js';
import { CaseChangesService } from './case-changes.js';
import { caseWindowMs, sourceCaseOf } from './case-window.js';
import {
  combineIntoRisks,
  encounterEpisode,
  episodeBetween,
  overlaps,
  presenceProbes,
  scoreContact,
  type ExposureRiskDraft,
  type PresenceRecord,
  type ScoredContact,
} from './matching.js';
import { mirrorUnrecordedEncounters } from './mirrored-encounters.js';
import { NotifyFirst } from './notify-first.js';
import { toPresence } from './repositories/presence-repository.js';
import type { ActiveCase } from './repositories/traced-cases-repository.js';
import type { TracingRepository } from './repository.js';
import { withinGpsRadius, type RiskModelConfig, type SourceCase } from './risk-model.js';
import { RiskWriter, type RiskWrite } from './risk-writer.js';
import { addOutcomes, NO_OUTCOME, type TraceOutcome } from './trace-outcome.js';

export { caseWindowMs, sourceCaseOf } from './case-window.js';
export { staffChannel, type ExposureRiskEvent } from './staff-events.js';
export type { TraceOutcome } from './trace-outcome.js';

export interface TracingSettings {
  readonly riskModel: RiskModelConfig;
  readonly timeZone: string;
  readonly bucketMinutes: number;
  /** Rings of neighbouring H3 cells searched around a location (from the GPS radius and the resolution). */
  readonly rings: number;
  /** Longest single observation accepted at ingest: bounds how early an overlapping observation may start. */
  readonly maxDurationMs: number;
}

type Upload = {
  readonly userId: string;
  readonly interactionIds: readonly string[];
  readonly stored?: readonly Row<'interactions'>[];
};
type Found = Parameters<typeof scoreContact>[1] | null;
const NONE_HELD: ReadonlySet<string> = new Set();

export class TracingService {
  private readonly notifyFirst: NotifyFirst;
  private readonly riskWriter: RiskWriter;
  /** Corrections, closures and revocations of cases, as the cases module applies them (see CaseChangesService). */
  readonly caseChanges: CaseChangesService;

  constructor(
    db: Kysely<Database>,
    private readonly tracing: TracingRepository,
    private readonly notifications: NotificationsService,
    bus: EventBus,
    private readonly settings: TracingSettings,
    log: FastifyBaseLogger,
  ) {
    this.notifyFirst = new NotifyFirst(db, tracing, this.notifications, settings.riskModel);
    this.riskWriter = new RiskWriter(db, tracing, this.notifications, bus, settings.riskModel, log);
    this.caseChanges = new CaseChangesService(this.riskWriter, tracing, this.notifications, bus, log);
  }

  /**
   * Traces a case: every observation of the source in the infectious window is matched against other
   * people's by index lookups (co-location in the same or neighbouring cells and overlapping buckets, the
   * same venue, Bluetooth encounters in both directions), scored with the risk model, written once per
   * (exposed interaction, case), and people whose daily tier rose are notified. Idempotent.
   */
  async traceCase(caseId: string): Promise<TraceOutcome> {
    const row = await this.tracing.findCase(caseId);
    if (row === undefined || row.status !== 'active') return NO_OUTCOME;
    const window = caseWindowMs(row, this.settings);
    if (row.window_start !== window.start || row.window_end !== window.end)
      await this.tracing.setCaseWindow(row.id, window.start, window.end);

    const readFrom = Date.now();
    const sources = await this.tracing.interactionsOf(
      row.user_id,
      window.start,
      window.end,
      this.settings.maxDurationMs,
    );
    // A trace is several steps of synchronous work on SQLite (its statements run on this thread): requests that
    // arrived meanwhile are let in between the steps instead of waiting for the whole trace.
    await yieldToEventLoop();
    // Cluster detection's place of the case: written with the trace's last transaction, off the notification path.
    const cell = mostVisitedCell(sources) ?? row.cell;
    const { contacts, mirrored } = await this.contactsOfSource(row, window, sources);
    const drafts = combineIntoRisks(row.id, contacts, this.settings.riskModel);
    await yieldToEventLoop();
    const held = row.held_at === null ? NONE_HELD : new Set([row.id]);
    return this.persist(drafts, { mirrored, tracedCase: { row, readFrom, cell } }, held);
  }

  /** Matches one upload (see matchUploads). */
  matchUpload(userId: string, interactionIds: readonly string[]): Promise<TraceOutcome> {
    return this.matchUploads([{ userId, interactionIds }]);
  }

  /**
   * Matches observations uploaded after a trace against the active cases they overlap, and re-traces an uploader's
   * own case if they are one. Runs as a job after the uploads are stored; uploads that queued up are matched together.
   */
  async matchUploads(uploads: ReadonlyArray<Upload>): Promise<TraceOutcome> {
    const given = uploads.flatMap((u) => u.stored ?? []).map(toPresence);
    const unread = uploads.filter((u) => u.stored === undefined).flatMap((u) => u.interactionIds);
    const records = unread.length === 0 ? given : [...given, ...(await this.tracing.interactionsByIds(unread))];
    if (records.length === 0) return NO_OUTCOME;
    const cases = await this.tracing.activeCasesOverlapping(
      Math.min(...records.map((r) => r.startMs)),
      Math.max(...records.map((r) => r.endMs)) + 1,
    );
    if (cases.length === 0) return NO_OUTCOME;
    // An uploader's own case is traced again, which covers everything of that case.
    const uploaders = new Set(uploads.map((u) => u.userId));
    let outcome = NO_OUTCOME;
    for (const own of cases.filter((c) => uploaders.has(c.user_id)))
      outcome = addOutcomes(outcome, await this.traceCase(own.id));
    const caseOf = new Map(cases.filter((c) => !uploaders.has(c.user_id)).map((c) => [c.user_id, c]));
    if (caseOf.size === 0) return outcome;
    const { drafts, replaceMirrorsOf } = await this.contactsOfUploads(records, caseOf);
    const held = new Set(cases.filter((c) => c.held_at !== null).map((c) => c.id));
    return addOutcomes(outcome, await this.persist(drafts, { mirrored: [], replaceMirrorsOf }, held));
  }

  /**
   * Everyone the source's observations met, scored: people in the same or neighbouring cells and at the same venues
   * (probed over the source's time there), and Bluetooth both ways. Encounters others' phones recorded with the
   * source's tokens are looked up while the places are; those only the source's phone recorded are mirrored into the
   * peer's history (`mirrored`, stored with the risks) so the risk belongs to the peer.
   */
  private async contactsOfSource(
    row: Row<'cases'>,
    window: { start: number; end: number },
    sources: readonly PresenceRecord[],
  ): Promise<{ contacts: ScoredContact[]; mirrored: NewRow<'interactions'>[] }> {
    const source = sourceCaseOf(row, this.settings.timeZone);
    const contacts: ScoredContact[] = [];
    const score = (exposed: PresenceRecord, found: Found) => {
      if (found !== null) contacts.push(scoreContact(exposed, found, this.settings.riskModel, this.settings.timeZone));
    };
    const { probes, byPlace } = presenceProbes(
      sources,
      this.settings.bucketMinutes,
      this.settings.rings,
      this.settings.riskModel.gps.radiusMeters,
    );
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
    const mirrored = mirrorUnrecordedEncounters(sources, seenBySource, row.user_id, this.settings.bucketMinutes);
    for (const exposed of mirrored.exposed) score(exposed, encounterEpisode(exposed, source));
    return { contacts, mirrored: mirrored.rows };
  }

  /**
   * The risks of uploaded observations from the active cases (`caseOf`, by the case's person) in whose window they
   * fall: the uploaded stays probe the places they could share and the cases' own stays there are the sources;
   * a Bluetooth encounter with a case's token replaces the copy a trace made from the case's own recording (the
   * copies replaced are those of the uploader's time span, as in one upload).
   */
  private async contactsOfUploads(
    records: readonly PresenceRecord[],
    caseOf: ReadonlyMap<string, ActiveCase>,
  ): Promise<{ drafts: ExposureRiskDraft[]; replaceMirrorsOf: NonNullable<RiskWrite['replaceMirrorsOf']> }> {
    const contacts = new Map<string, ScoredContact[]>();
    const push = (caseRow: ActiveCase, exposed: PresenceRecord, found: Found) => {
      if (found === null) return;
      const list = contacts.get(caseRow.id) ?? [];
      list.push(scoreContact(exposed, found, this.settings.riskModel, this.settings.timeZone));
      contacts.set(caseRow.id, list);
    };
    const inWindow = (caseRow: ActiveCase, r: PresenceRecord) =>
      (caseRow.window_start ?? 0) < r.endMs && r.startMs < (caseRow.window_end ?? 0);
    const sourceOf = (caseRow: ActiveCase): SourceCase => sourceCaseOf(caseRow, this.settings.timeZone);

    const { probes, byPlace } = presenceProbes(
      records,
      this.settings.bucketMinutes,
      this.settings.rings,
      this.settings.riskModel.gps.radiusMeters,
    );
    const sourceRecords =
      probes.length === 0
        ? []
        : await this.tracing.presentDuring(probes, {
            onlyUsers: [...caseOf.keys()],
            maxDurationMs: this.settings.maxDurationMs,
          });
    for (const s of sourceRecords) {
      const caseRow = caseOf.get(s.userId);
      if (caseRow === undefined || !inWindow(caseRow, s)) continue;
      for (const exposed of byPlace.get(s.place!) ?? []) {
        if (!overlaps(exposed, s) || !this.withinRadius(exposed, s)) continue;
        push(caseRow, exposed, episodeBetween(exposed, s, sourceOf(caseRow)));
      }
    }
    const replaced = new Map<string, { peers: Set<string>; from: number; to: number }>();
    for (const r of records) {
      let span = replaced.get(r.userId);
      if (span === undefined) {
        span = { peers: new Set<string>(), from: r.startMs, to: r.endMs };
        replaced.set(r.userId, span);
      }
      span.from = Math.min(span.from, r.startMs);
      span.to = Math.max(span.to, r.endMs);
      if (r.kind !== 'proximity' || r.peerUserId === null) continue;
      const caseRow = caseOf.get(r.peerUserId);
      if (caseRow === undefined || !inWindow(caseRow, r)) continue;
      push(caseRow, r, encounterEpisode(r, sourceOf(caseRow)));
      span.peers.add(r.peerUserId);
    }
    const drafts = [...contacts].flatMap(([caseId, list]) => combineIntoRisks(caseId, list, this.settings.riskModel));
    const replaceMirrorsOf = [...replaced]
      .filter(([, m]) => m.peers.size > 0)
      .map(([userId, m]) => ({ userId, peers: [...m.peers], from: m.from, to: m.to }));
    return { drafts, replaceMirrorsOf };
  }

  /**
   * Two GPS stays farther apart than the radius never count (the risk model drops them): skipping them before
   * scoring saves most of a trace's scoring work, since a probe returns everyone in the neighbouring cells.
   */
  private withinRadius(a: PresenceRecord, b: PresenceRecord): boolean {
    if (
      a.kind !== 'location' ||
      b.kind !== 'location' ||
      a.lat === null ||
      a.lng === null ||
      b.lat === null ||
      b.lng === null
    )
      return true;
    return withinGpsRadius({ lat: a.lat, lng: a.lng }, { lat: b.lat, lng: b.lng }, this.settings.riskModel);
  }

  /**
   * Writes a trace's risks: the people whose day may rise to a notification are notified first (NotifyFirst), then
   * the risks are written and every day they touch is summed again (RiskWriter), notifying any rise the first missed.
   * The risks of `held` cases (SELF_REPORTS=hold, not confirmed yet) are written but count towards no day's total.
   */
  private async persist(
    drafts: readonly ExposureRiskDraft[],
    write: RiskWrite,
    held: ReadonlySet<string>,
  ): Promise<TraceOutcome> {
    if (
      drafts.length === 0 &&
      !write.tracedCase &&
      write.mirrored.length === 0 &&
      (write.replaceMirrorsOf ?? []).length === 0
    )
      return NO_OUTCOME;
    const counted = held.size === 0 ? drafts : drafts.filter((d) => !held.has(d.case_id));
    const early = await this.notifyFirst.notify(counted, write.tracedCase?.row.id);
    if (early.length > 0) await yieldToEventLoop(); // the notifications are out; the risks' write can wait a turn
    return this.riskWriter.write(drafts, write, early);
  }
}

/** Where the source spent most time among their location stays (for cluster detection), or null. */
export function mostVisitedCell(records: readonly PresenceRecord[]): string | null {
  const minutes = new Map<string, number>();
  for (const r of records)
    if (r.kind === 'location' && r.place !== null)
      minutes.set(r.place, (minutes.get(r.place) ?? 0) + (r.endMs - r.startMs));
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
