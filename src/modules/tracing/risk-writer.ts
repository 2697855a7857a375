import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { DOMAIN_EVENTS_CHANNEL, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database, NewRow, Row } from '../../platform/db/tables.js';
import { lockKeys } from '../../platform/db/write-locks.js';
import type { ExposureFacts, UpdateCause, UpdateFacts } from '../notifications/model.js';
import type { NotificationsService } from '../notifications/service.js';
import type { ExposureRiskDraft } from './matching.js';
import { factsOf, personDay, venueCodeOf } from './person-day.js';
import type { ExposureDayWrite } from './repositories/risks-repository.js';
import type { TracingRepository } from './repository.js';
import { compareTiers, tierFor, tierRose, type RiskModelConfig, type RiskTier } from './risk-model.js';
import { staffChannel, staffEventsFor, type ExposureRiskEvent } from './staff-events.js';
import type { TraceOutcome } from './trace-outcome.js';

/** How far apart the clocks of two processes may be: a risk written this long before a trace began reading is old. */
const CLOCK_SKEW_MS = 1_000;

type RiskWriteQueries = Pick<
  TracingRepository,
  | 'managersOf'
  | 'openCaseIds'
  | 'risksOfCase'
  | 'deleteMirroredEncounters'
  | 'insertMirrored'
  | 'staleRisksOfCase'
  | 'deleteRisks'
  | 'risksFor'
  | 'upsertRisks'
  | 'dayStates'
  | 'venueNames'
  | 'upsertExposureDays'
  | 'insertStaffEvents'
  | 'markTraced'
>;

/** What the risks' transaction stored for publishing once it commits. */
interface Written {
  readonly created: Row<'notifications'>[];
  readonly staffEvents: ReadonlyArray<{ staffId: string; event: ExposureRiskEvent }>;
  /** People exposed. */
  readonly contacts: number;
  /** The drafts written: those of cases still open when the transaction looked. */
  readonly kept: readonly ExposureRiskDraft[];
}

/** What removing a case's risks did, in the caller's transaction (see RiskWriter.retract). */
export interface Retracted {
  readonly risks: number;
  /** People whose risks were removed. */
  readonly contacts: number;
  /** Update notifications written (published by `publish`). */
  readonly created: Row<'notifications'>[];
}

/** The lock a case's risks are written and removed under (taken before any exposure-day lock: keys sort so). */
const caseRisksLock = (caseId: string) => `case-risks:${caseId}`;
const TIER_OF_UPDATE: Record<'low' | 'medium', UpdateFacts['tier']> = { low: 'low', medium: 'medium' };

/** What a trace writes besides its risks. */
export interface RiskWrite {
  readonly mirrored: NewRow<'interactions'>[];
  /**
   * A full trace of this case, which began reading at `readFrom`: its risks not in this trace are removed (unless
   * written since: a late upload's match in another process), and the case is marked traced.
   */
  readonly tracedCase?: { readonly row: Row<'cases'>; readonly readFrom: number; readonly cell: string | null };
  /** Mirrored encounters the uploaders' own recordings replace. */
  readonly replaceMirrorsOf?: ReadonlyArray<{ userId: string; peers: string[]; from: number; to: number }>;
}

/**
 * Writes a trace's risks in one transaction, works out the total and tier of every person-day they touch again from
 * the stored risks (all sources), notifies the rises not notified yet (another process's risks of the same day, or
 * days the first step did not look at), and tells case managers; then publishes what was written.
 */
export class RiskWriter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tracing: RiskWriteQueries,
    private readonly notifications: NotificationsService,
    private readonly bus: EventBus,
    private readonly riskModel: RiskModelConfig,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** `early`: this trace's notifications sent first (see NotifyFirst). */
  async write(
    drafts: readonly ExposureRiskDraft[],
    write: RiskWrite,
    early: readonly Row<'notifications'>[] = [],
  ): Promise<TraceOutcome> {
    const now = Date.now();
    const managers =
      drafts.length === 0
        ? new Map<string, string>()
        : await this.tracing.managersOf([...new Set(drafts.map((d) => d.case_id))]);
    const caseIds = [
      ...new Set([...drafts.map((d) => d.case_id), ...(write.tracedCase ? [write.tracedCase.row.id] : [])]),
    ];
    const result = await this.db.transaction().execute(async (trx): Promise<Written> => {
      for (const { userId, peers, from, to } of write.replaceMirrorsOf ?? [])
        await this.tracing.deleteMirroredEncounters(trx, userId, peers, from, to);
      await this.tracing.insertMirrored(trx, write.mirrored);
      let stale = await this.staleRisks(trx, drafts, write);
      const personDays = daysTouched(stale, drafts);
      // Another process may be writing risks of the same people's days: their totals and tiers are read after both.
      // A case being closed or revoked meanwhile holds its case lock: its risks are not written after it is.
      await lockKeys(trx, [
        ...caseIds.map(caseRisksLock),
        ...[...personDays.keys()].map((key) => `exposure-day:${key}`),
      ]);
      const open = caseIds.length === 0 ? new Set<string>() : await this.tracing.openCaseIds(trx, caseIds);
      if (write.tracedCase && !open.has(write.tracedCase.row.id)) stale = [];
      const kept = open.size === caseIds.length ? drafts : drafts.filter((d) => open.has(d.case_id));
      await this.tracing.deleteRisks(
        trx,
        stale.map((r) => r.id),
      );
      const before =
        managers.size === 0
          ? new Map<string, { weighted_minutes: number }>()
          : await this.tracing.risksFor(
              trx,
              kept.map((d) => [d.interaction_id, d.case_id] as const),
            );
      await this.tracing.upsertRisks(trx, kept, randomUUID, now);
      // A case manager hears about risks that are new or whose numbers changed, not about every re-trace.
      const changed = kept.filter(
        (d) => before.get(`${d.interaction_id}|${d.case_id}`)?.weighted_minutes !== d.weighted_minutes,
      );
      const { tiers, created } = await this.recomputeDays(trx, [...personDays.values()], now, 'corrected');
      const staffEvents = await staffEventsFor(trx, this.tracing, changed, managers, tiers, now);
      if (write.tracedCase && open.has(write.tracedCase.row.id))
        await this.tracing.markTraced(trx, write.tracedCase.row.id, now, write.tracedCase.cell);
      return { created, staffEvents, contacts: new Set(kept.map((d) => d.exposed_user_id)).size, kept };
    });
    await this.publish(result.kept, write, early, result, now);
    this.log.debug(
      { risks: result.kept.length, notifications: early.length + result.created.length },
      'exposure risks written',
    );
    return {
      risks: result.kept.length,
      notifications: early.length + result.created.length,
      contacts: result.contacts,
    };
  }

  /**
   * Removes every exposure risk a case caused, in the caller's transaction (a revocation, with the case's own
   * change): each person-day they counted on is summed again from the remaining risks, and a day whose tier falls
   * below what its person was notified of gets an update notification (`cause` says why). The caller publishes
   * `created` (publishCreated) once its transaction commits.
   */
  async retract(trx: Kysely<Database>, caseId: string, cause: UpdateCause, now: number): Promise<Retracted> {
    await lockKeys(trx, [caseRisksLock(caseId)]);
    const risks = await this.tracing.risksOfCase(trx, caseId);
    const personDays = daysTouched(risks, []);
    await lockKeys(
      trx,
      [...personDays.keys()].map((key) => `exposure-day:${key}`),
    );
    await this.tracing.deleteRisks(
      trx,
      risks.map((r) => r.id),
    );
    const { created } = await this.recomputeDays(trx, [...personDays.values()], now, cause);
    return {
      risks: risks.length,
      contacts: new Set(risks.flatMap((r) => r.exposed_user_id ?? [])).size,
      created,
    };
  }

  /**
   * A full trace's risks that it no longer found and that were last written before it began reading, or before the
   * case last changed (a correction just before the trace: every risk of the old version is checked again).
   */
  private async staleRisks(trx: Kysely<Database>, drafts: readonly ExposureRiskDraft[], write: RiskWrite) {
    if (!write.tracedCase) return [];
    const writtenBefore = Math.max(
      write.tracedCase.readFrom - CLOCK_SKEW_MS,
      (write.tracedCase.row.updated_at ?? 0) + 1,
    );
    return this.tracing.staleRisksOfCase(
      trx,
      write.tracedCase.row.id,
      drafts.map((x) => x.interaction_id),
      writtenBefore,
    );
  }

  /**
   * Each person-day's total and tier worked out again from the stored risks, and a notification of each day whose
   * tier rose above what its person was notified of; returns the days' tiers and the notifications stored.
   */
  private async recomputeDays(
    trx: Kysely<Database>,
    keys: ReadonlyArray<[string, string]>,
    now: number,
    cause: UpdateCause,
  ): Promise<{ tiers: Map<string, string>; created: Row<'notifications'>[] }> {
    const rises = (total: number, notifiedTier: Row<'exposure_days'>['notified_tier']) => {
      const tier = tierFor(total, this.riskModel);
      return tier !== 'low' && tierRose(notifiedTier, tier);
    };
    // (A sum of the same minutes in another order may differ in its last bits: only a real fall counts.)
    const falls = (total: number, notifiedTier: Row<'exposure_days'>['notified_tier']) =>
      notifiedTier !== null &&
      notifiedTier !== 'low' &&
      compareTiers(tierFor(total + 1e-6, this.riskModel), notifiedTier) < 0;
    const states = await this.tracing.dayStates(
      trx,
      keys,
      (total, notified) => rises(total, notified) || falls(total, notified),
    );
    const tiers = new Map<string, string>();
    const dayRows: ExposureDayWrite[] = [];
    const mains = new Map<string, { main: Row<'exposure_risks'>; count: number }>();
    for (const [userId, date] of keys) {
      const key = `${userId}|${date}`;
      const state = states.get(key) ?? { total: 0, notifiedTier: null, main: null };
      const tier = tierFor(state.total, this.riskModel);
      tiers.set(key, tier);
      if (state.main !== null && rises(state.total, state.notifiedTier)) mains.set(key, state.main);
      dayRows.push({
        user_id: userId,
        date,
        weighted_minutes: state.total,
        tier,
        notified_tier: state.notifiedTier,
        updated_at: now,
      });
    }
    const venueCodes = [...states.values()].flatMap((state) =>
      state.main === null ? [] : (venueCodeOf(state.main.main) ?? []),
    );
    const venueNames =
      venueCodes.length === 0 ? new Map<string, string>() : await this.tracing.venueNames(trx, venueCodes);
    const toNotify: Array<{ userId: string; facts: ExposureFacts }> = [];
    const toUpdate: Array<{ userId: string; facts: UpdateFacts }> = [];
    for (const day of dayRows) {
      const key = `${day.user_id}|${day.date}`;
      const state = states.get(key);
      if (day.notified_tier !== null && falls(day.weighted_minutes, day.notified_tier)) {
        // The tier fell below what the person was told: they hear so, and a later rise notifies them again.
        const main = state?.main ?? null;
        toUpdate.push({
          userId: day.user_id,
          facts: {
            cause,
            exposure_date: day.date,
            previous_tier: day.notified_tier as 'medium' | 'high',
            tier: TIER_OF_UPDATE[day.tier as 'low' | 'medium'],
            total_weighted_minutes: Math.round(day.weighted_minutes * 10) / 10,
            episodes: main?.count ?? 0,
            main: main === null ? null : factsOf('medium', day.date, day.weighted_minutes, main, venueNames).main,
          },
        });
        day.notified_tier = day.tier as RiskTier;
        continue;
      }
      const main = mains.get(key);
      if (main === undefined) continue;
      const tier = day.tier as 'medium' | 'high';
      toNotify.push({ userId: day.user_id, facts: factsOf(tier, day.date, day.weighted_minutes, main, venueNames) });
      day.notified_tier = tier;
    }
    const created = [
      ...(await this.notifications.createMany(trx, toNotify, now)),
      ...(await this.notifications.createUpdates(trx, toUpdate, now)),
    ];
    await this.tracing.upsertExposureDays(trx, dayRows);
    return { tiers, created };
  }

  /** After the commit: the notifications pushed, the case managers' events and the domain event published. */
  private async publish(
    drafts: readonly ExposureRiskDraft[],
    write: RiskWrite,
    early: readonly Row<'notifications'>[],
    written: Written,
    now: number,
  ): Promise<void> {
    await this.notifications.publishCreated(written.created);
    for (const { staffId, event } of written.staffEvents) {
      await this.bus
        .publish(staffChannel(staffId), event)
        .catch((error: unknown) =>
          this.log.warn({ err: error }, 'staff event not published; it is replayed from the database'),
        );
    }
    if (drafts.length === 0 && !write.tracedCase) return;
    const event: DomainEvent = {
      type: 'risks.written',
      case_ids: [...new Set([...drafts.map((d) => d.case_id), ...(write.tracedCase ? [write.tracedCase.row.id] : [])])],
      contacts: written.contacts,
      notifications: [...early, ...written.created].map((n) => ({
        user_id: n.user_id,
        tier: n.tier,
        exposure_date: n.exposure_date,
      })),
      at: new Date(now).toISOString(),
    };
    await this.bus
      .publish(DOMAIN_EVENTS_CHANNEL, event)
      .catch((error: unknown) => this.log.warn({ err: error }, 'domain event not published'));
  }
}

/** The person-days whose totals a write changes: those of the stale risks it removes, then those of its drafts. */
function daysTouched(
  stale: ReadonlyArray<{ exposed_user_id: string | null; exposure_date: string }>,
  drafts: readonly ExposureRiskDraft[],
): Map<string, [string, string]> {
  const days = new Map<string, [string, string]>();
  for (const r of stale) {
    if (r.exposed_user_id !== null)
      days.set(personDay(r.exposed_user_id, r.exposure_date), [r.exposed_user_id, r.exposure_date]);
  }
  for (const d of drafts) days.set(personDay(d.exposed_user_id, d.exposure_date), [d.exposed_user_id, d.exposure_date]);
  return days;
}
