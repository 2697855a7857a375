import type { Kysely } from 'kysely';
import type { Database, NewRow } from '../../platform/db/tables.js';
import type { ExposureRiskDraft, PresenceProbe } from './matching.js';
import { PresenceRepository, type PresenceLookupOptions } from './repositories/presence-repository.js';
import { RisksRepository, type DayState, type ExposureDayWrite } from './repositories/risks-repository.js';
import { StaffEventsRepository } from './repositories/staff-events-repository.js';
import { TracedCasesRepository } from './repositories/traced-cases-repository.js';
import { VenueNamesRepository } from './repositories/venue-names-repository.js';

type PersonDays = ReadonlyArray<readonly [string, string]>;

/**
 * The queries a trace runs, each delegated to the repository of its tables (repositories/): one object for the
 * tracing service and its steps to share, whose methods tests spy on and the tracing benchmark times.
 */
export class TracingRepository {
  private readonly cases: TracedCasesRepository;
  private readonly presence: PresenceRepository;
  private readonly risks: RisksRepository;
  private readonly staff: StaffEventsRepository;
  private readonly venues: VenueNamesRepository;

  constructor(db: Kysely<Database>) {
    this.cases = new TracedCasesRepository(db);
    this.presence = new PresenceRepository(db);
    this.risks = new RisksRepository(db);
    this.staff = new StaffEventsRepository(db);
    this.venues = new VenueNamesRepository();
  }

  // The case traced (cases)

  findCase(id: string) {
    return this.cases.findCase(id);
  }

  activeCasesOverlapping(fromMs: number, toMs: number) {
    return this.cases.activeCasesOverlapping(fromMs, toMs);
  }

  setCaseWindow(caseId: string, windowStart: number, windowEnd: number) {
    return this.cases.setCaseWindow(caseId, windowStart, windowEnd);
  }

  markTraced(trx: Kysely<Database>, caseId: string, at: number, cell: string | null) {
    return this.cases.markTraced(trx, caseId, at, cell);
  }

  managersOf(caseIds: readonly string[]) {
    return this.cases.managersOf(caseIds);
  }

  openCaseIds(trx: Kysely<Database>, caseIds: readonly string[]) {
    return this.cases.openCaseIds(trx, caseIds);
  }

  // Observations (interactions, presence index)

  interactionsOf(userId: string, fromMs: number, toMs: number, maxDurationMs: number) {
    return this.presence.interactionsOf(userId, fromMs, toMs, maxDurationMs);
  }

  encountersWith(peerUserId: string, fromMs: number, toMs: number, maxDurationMs: number) {
    return this.presence.encountersWith(peerUserId, fromMs, toMs, maxDurationMs);
  }

  interactionsByIds(ids: readonly string[]) {
    return this.presence.interactionsByIds(ids);
  }

  presentDuring(probes: readonly PresenceProbe[], options: PresenceLookupOptions) {
    return this.presence.presentDuring(probes, options);
  }

  insertMirrored(trx: Kysely<Database>, rows: NewRow<'interactions'>[]) {
    return this.presence.insertMirrored(trx, rows);
  }

  deleteMirroredEncounters(
    trx: Kysely<Database>,
    userId: string,
    peers: readonly string[],
    fromMs: number,
    toMs: number,
  ) {
    return this.presence.deleteMirroredEncounters(trx, userId, peers, fromMs, toMs);
  }

  // Exposure risks and exposure days

  upsertRisks(trx: Kysely<Database>, drafts: readonly ExposureRiskDraft[], newId: () => string, now: number) {
    return this.risks.upsertRisks(trx, drafts, newId, now);
  }

  risksFor(trx: Kysely<Database>, pairs: ReadonlyArray<readonly [string, string]>) {
    return this.risks.risksFor(trx, pairs);
  }

  risksOfDays(trx: Kysely<Database>, personDays: PersonDays) {
    return this.risks.risksOfDays(trx, personDays);
  }

  staleRisksOfCase(
    trx: Kysely<Database>,
    caseId: string,
    keepInteractionIds: readonly string[],
    writtenBefore: number,
  ) {
    return this.risks.staleRisksOfCase(trx, caseId, keepInteractionIds, writtenBefore);
  }

  risksOfCase(trx: Kysely<Database>, caseId: string) {
    return this.risks.risksOfCase(trx, caseId);
  }

  deleteRisks(trx: Kysely<Database>, ids: readonly string[]) {
    return this.risks.deleteRisks(trx, ids);
  }

  dayStates(
    trx: Kysely<Database>,
    personDays: PersonDays,
    wantsMain: Parameters<RisksRepository['dayStates']>[2],
  ): Promise<Map<string, DayState>> {
    return this.risks.dayStates(trx, personDays, wantsMain);
  }

  exposureDays(trx: Kysely<Database>, personDays: PersonDays) {
    return this.risks.exposureDays(trx, personDays);
  }

  upsertExposureDays(trx: Kysely<Database>, rows: ReadonlyArray<ExposureDayWrite>) {
    return this.risks.upsertExposureDays(trx, rows);
  }

  // What notifications and case managers' streams are told

  venueNames(trx: Kysely<Database>, codes: readonly string[]) {
    return this.venues.venueNames(trx, codes);
  }

  insertStaffEvents(trx: Kysely<Database>, staffId: string, payloads: readonly object[], now: number) {
    return this.staff.insertStaffEvents(trx, staffId, payloads, now);
  }
}
