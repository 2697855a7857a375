import type { Kysely } from 'kysely';
import { lockKeys } from '../../platform/db/write-locks.js';
import type { Database, Row } from '../../platform/db/tables.js';
import type { NotificationsService } from '../notifications/service.js';
import { tallyRisk, type DayTally, type ExposureRiskDraft } from './matching.js';
import { factsOf, personDay, venueCodeOf, type RiskFacts } from './person-day.js';
import type { TracingRepository } from './repository.js';
import { tierFor, tierRose, type RiskModelConfig } from './risk-model.js';

type NotifyFirstQueries = Pick<TracingRepository, 'exposureDays' | 'risksOfDays' | 'venueNames' | 'upsertExposureDays'>;

/**
 * The first step of writing a trace's risks: the people whose day rises with this trace are notified before the
 * risks are written, in a transaction of its own that stores only their notifications and days (the outbox: pushed
 * once it commits). A day can only rise if its stored total plus this trace's new minutes reaches the medium tier,
 * so looking at those days alone never withholds a notification; the risks' write notifies any rise missed here.
 */
export class NotifyFirst {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly tracing: NotifyFirstQueries,
    private readonly notifications: NotificationsService,
    private readonly riskModel: RiskModelConfig,
  ) {}

  /** Notifies the days these drafts raise (`tracedCaseId`: a full trace's case); returns the notifications stored. */
  async notify(
    drafts: readonly ExposureRiskDraft[],
    tracedCaseId: string | undefined,
  ): Promise<Row<'notifications'>[]> {
    const urgentDays = await this.daysThatMayRise(drafts);
    const urgent = drafts.filter((d) => urgentDays.has(personDay(d.exposed_user_id, d.exposure_date)));
    return urgent.length === 0 ? [] : this.notifyRising(urgent, drafts, tracedCaseId);
  }

  /** Person-days whose tier may rise above what they were notified of: stored total + this trace's minutes ≥ medium. */
  private async daysThatMayRise(drafts: readonly ExposureRiskDraft[]): Promise<Set<string>> {
    const bound = new Map<string, number>();
    for (const d of drafts) {
      const key = personDay(d.exposed_user_id, d.exposure_date);
      bound.set(key, (bound.get(key) ?? 0) + d.weighted_minutes);
    }
    const reachable = [...bound].filter(([, minutes]) => minutes > 0);
    const stored =
      reachable.length === 0
        ? new Map<string, Row<'exposure_days'>>()
        : await this.tracing.exposureDays(
            this.db,
            reachable.map(([key]) => key.split('|') as [string, string]),
          );
    const out = new Set<string>();
    for (const [key, minutes] of reachable) {
      const day = stored.get(key);
      const tier = tierFor(minutes + (day?.weighted_minutes ?? 0), this.riskModel);
      if (tier !== 'low' && tierRose(day?.notified_tier ?? null, tier)) out.add(key);
    }
    return out;
  }

  /**
   * A day's total here is its stored risks, except those this trace replaces (the same interaction and case, or any
   * of a fully traced case's own, which the risks' write replaces or removes), plus this trace's drafts: what the
   * risks' write will find, short of risks written meanwhile elsewhere (which that write then counts).
   */
  private async notifyRising(
    urgent: readonly ExposureRiskDraft[],
    drafts: readonly ExposureRiskDraft[],
    tracedCaseId: string | undefined,
  ): Promise<Row<'notifications'>[]> {
    const now = Date.now();
    const replaced = new Set(drafts.map((d) => `${d.interaction_id}|${d.case_id}`));
    const created = await this.db.transaction().execute(async (trx) => {
      const keys = [
        ...new Map(
          urgent.map((d) => [
            personDay(d.exposed_user_id, d.exposure_date),
            [d.exposed_user_id, d.exposure_date] as const,
          ]),
        ).entries(),
      ];
      await lockKeys(
        trx,
        keys.map(([key]) => `exposure-day:${key}`),
      );
      const days = await this.tracing.exposureDays(
        trx,
        keys.map(([, k]) => k),
      );
      const totals = new Map<string, DayTally<RiskFacts>>();
      for (const r of await this.tracing.risksOfDays(
        trx,
        keys.map(([, k]) => k),
      )) {
        if (
          r.exposed_user_id === null ||
          r.case_id === tracedCaseId ||
          replaced.has(`${r.interaction_id}|${r.case_id}`)
        )
          continue;
        tallyRisk(totals, personDay(r.exposed_user_id, r.exposure_date), r);
      }
      for (const d of urgent) tallyRisk<RiskFacts>(totals, personDay(d.exposed_user_id, d.exposure_date), d);
      const rising: Array<{ userId: string; date: string; tier: 'medium' | 'high'; day: DayTally<RiskFacts> }> = [];
      for (const [key, [userId, date]] of keys) {
        const day = totals.get(key)!;
        const tier = tierFor(day.total, this.riskModel);
        if (tier !== 'low' && tierRose(days.get(key)?.notified_tier ?? null, tier))
          rising.push({ userId, date, tier, day });
      }
      if (rising.length === 0) return [];
      const venueCodes = rising.flatMap(({ day }) => venueCodeOf(day.main) ?? []);
      const venueNames =
        venueCodes.length === 0 ? new Map<string, string>() : await this.tracing.venueNames(trx, venueCodes);
      const notified = await this.notifications.createMany(
        trx,
        rising.map(({ userId, date, tier, day }) => ({
          userId,
          facts: factsOf(tier, date, day.total, day, venueNames),
        })),
        now,
      );
      // The day's total and tier until the risks' write works them out from the stored risks.
      await this.tracing.upsertExposureDays(
        trx,
        rising.map(({ userId, date, tier, day }) => ({
          user_id: userId,
          date,
          weighted_minutes: day.total,
          tier,
          notified_tier: tier,
          updated_at: now,
        })),
      );
      return notified;
    });
    await this.notifications.publishCreated(created);
    return created;
  }
}
