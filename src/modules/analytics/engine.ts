import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { cellToParent, getResolution, isValidCell } from 'h3-js';
import { DOMAIN_EVENTS_CHANNEL, isDomainEvent, type DomainEvent } from '../../platform/bus/domain-events.js';
import type { EventBus, Unsubscribe } from '../../platform/bus/event-bus.js';
import type { NewRow } from '../../platform/db/tables.js';
import type { EpidemicCases } from '../cases/epidemic-cases.js';
import { addDays, calendarDay, startOfDay } from '../../platform/time/calendar.js';
import {
  INDICATOR_LOOKBACK_DAYS,
  consecutiveRuns,
  daysBetween,
  indicatorsAt,
  notificationOutcomes,
  ratio,
  type NotifiedTier,
} from './model.js';
import type { AnalyticsRepository, InsightRow } from './repository.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The streaming analytics engine; tests wait on `analytics.idle()`. */
    analytics: AnalyticsEngine;
  }
}

export interface AnalyticsSettings {
  readonly timeZone: string;
  /** H3 resolution of the public aggregate's cells (coarser than or equal to the stored cells'). */
  readonly publicCellResolution: number;
  /** Days recomputed at start and after a lost bus connection, to catch up on events that were missed. */
  readonly catchUpDays: number;
  /**
   * Delay between an event and the recomputation it asks for. A report also starts a trace at once, and both work
   * on the same database (on SQLite, on the same thread): the trace, whose notifications people wait for, goes first.
   */
  readonly settleMs?: number;
}

const TIERS: readonly NotifiedTier[] = ['medium', 'high'];

function increment(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

/**
 * The streaming analytics engine. It listens to the domain events every process receives ('case.reported',
 * 'case.revoked', 'case.corrected', 'risks.written') and keeps the daily aggregates current as they happen: for each event it works out which days
 * the event can change and recomputes those days' rows from the database (never counting events, so a duplicate
 * event, the same event seen by several processes, or a missed one followed by a later event all end in the same
 * rows). Work is coalesced and done one batch at a time per process.
 *
 * Rows written: `epidemiological_insights` (one per day: cases by report and onset date, symptom reports, traced
 * cases, contacts traced and notified, 7-day average, growth rate, doubling time), `analytics_cell_days` (cases
 * per public cell and day) and `analytics_notification_outcomes` (notified people and those who became cases, per
 * day of first notification and tier). A day with nothing to show gets no row (it reads as zero).
 */
export class AnalyticsEngine {
  private readonly pendingDays = new Set<string>();
  private readonly pendingOutcomeDays = new Set<string>();
  private readonly pendingOutcomeUsers = new Set<string>();
  private readonly pendingCaseIds = new Set<string>();
  private running: Promise<void> | null = null;
  /** Resolves when the settle delay after the first event of a batch is over. */
  private settling: Promise<void> | null = null;
  private unsubscribe: Unsubscribe | null = null;
  private stopped = false;

  constructor(
    private readonly repository: AnalyticsRepository,
    private readonly epidemic: EpidemicCases,
    private readonly bus: EventBus,
    private readonly settings: AnalyticsSettings,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** Subscribes to the domain events, then catches up on recent days (events may have been missed while down). */
  async start(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(DOMAIN_EVENTS_CHANNEL, (payload) => this.onEvent(payload), {
      onResubscribed: () => void this.catchUp(),
    });
    void this.catchUp();
  }

  /** Stops listening and finishes the work in hand. */
  async stop(): Promise<void> {
    this.stopped = true;
    const unsubscribe = this.unsubscribe;
    this.unsubscribe = null;
    await unsubscribe?.();
    await this.idle();
  }

  /** Resolves when every event received so far has been processed. */
  async idle(): Promise<void> {
    while (this.running !== null || this.settling !== null) await (this.running ?? this.settling);
  }

  /**
   * Recomputes every day whose rows can depend on cases reported or with onset in [from, to] (used after an import,
   * which may also have moved cases off those days: pass the old dates too). Resolves when done.
   */
  async refreshCaseDates(from: string, to: string): Promise<void> {
    if (this.stopped) return;
    this.addCaseDays(from, to);
    this.kick();
    await this.idle();
  }

  onEvent(payload: unknown): void {
    if (this.stopped || !isDomainEvent(payload)) return;
    const event: DomainEvent = payload;
    if (event.type === 'case.reported') {
      const report = event.report_date ?? this.today();
      const onset = event.onset_date ?? report;
      const [first, last] = onset < report ? [onset, report] : [report, onset];
      // An upgrade may have moved the onset from any later day: everything from the case's first date to today.
      this.addCaseDays(first, event.created ? last : this.today());
      this.pendingOutcomeUsers.add(event.user_id);
    } else if (event.type === 'cases.imported') {
      return; // the importing process recomputed those days before answering; the aggregates are in the database
    } else if (event.type === 'case.revoked' || event.type === 'case.corrected') {
      // The days the case counted on (before and after a correction), and its person's notification outcomes.
      for (const date of event.case_dates) this.addCaseDays(date, date);
      this.pendingOutcomeUsers.add(event.user_id);
    } else if (event.type === 'person.erased') {
      for (const date of event.case_dates) this.addCaseDays(date, date);
      for (const at of event.notified_at) this.pendingOutcomeDays.add(calendarDay(at, this.settings.timeZone));
    } else {
      for (const id of event.case_ids) this.pendingCaseIds.add(id);
      for (const n of event.notifications) this.pendingOutcomeUsers.add(n.user_id);
    }
    this.kickAfterSettling();
  }

  private kickAfterSettling(): void {
    const settleMs = this.settings.settleMs ?? 0;
    if (settleMs <= 0) {
      this.kick();
      return;
    }
    if (this.settling !== null) return;
    this.settling = new Promise<void>((resolve) =>
      setTimeout(() => {
        this.settling = null;
        resolve();
        this.kick();
      }, settleMs),
    );
  }

  private catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const today = this.today();
    const from = addDays(today, -(this.settings.catchUpDays - 1));
    for (const day of daysBetween(from, today)) {
      this.pendingDays.add(day);
      this.pendingOutcomeDays.add(day);
    }
    this.kick();
    return this.idle();
  }

  private today(): string {
    return calendarDay(Date.now(), this.settings.timeZone);
  }

  /** Days whose rows depend on cases dated in [from, to]: those days, and the indicators' look-ahead after them. */
  private addCaseDays(from: string, to: string): void {
    const today = this.today();
    let last = addDays(to, INDICATOR_LOOKBACK_DAYS);
    if (last > today) last = to > today ? to : today;
    for (const day of daysBetween(from, last)) this.pendingDays.add(day);
  }

  private hasPending(): boolean {
    return (
      this.pendingDays.size + this.pendingOutcomeDays.size + this.pendingOutcomeUsers.size + this.pendingCaseIds.size >
      0
    );
  }

  private kick(): void {
    if (this.running !== null || !this.hasPending()) return;
    this.running = this.drain().finally(() => {
      this.running = null;
      this.kick(); // work that arrived as the last batch finished
    });
  }

  private async drain(): Promise<void> {
    while (this.hasPending()) {
      const caseIds = [...this.pendingCaseIds];
      const users = [...this.pendingOutcomeUsers];
      this.pendingCaseIds.clear();
      this.pendingOutcomeUsers.clear();
      try {
        for (const day of await this.repository.reportDatesOfCases(caseIds)) this.addCaseDays(day, day);
        const notified = await this.repository.notificationsOf(users);
        for (const n of notified) this.pendingOutcomeDays.add(calendarDay(n.created_at, this.settings.timeZone));
      } catch (error) {
        this.log.error({ err: error }, 'analytics: could not resolve the days an event changes');
      }
      const days = consecutiveRuns(this.pendingDays);
      const outcomeDays = consecutiveRuns(this.pendingOutcomeDays);
      this.pendingDays.clear();
      this.pendingOutcomeDays.clear();
      for (const [from, to] of days) {
        await this.recomputeDays(from, to).catch((error: unknown) =>
          this.log.error({ err: error, from, to }, 'analytics: daily aggregates not updated'),
        );
      }
      for (const [from, to] of outcomeDays) {
        await this.recomputeOutcomes(from, to).catch((error: unknown) =>
          this.log.error({ err: error, from, to }, 'analytics: notification outcomes not updated'),
        );
      }
    }
  }

  private publicCell(cell: string): string | null {
    if (!isValidCell(cell)) return null;
    return getResolution(cell) <= this.settings.publicCellResolution
      ? cell
      : cellToParent(cell, this.settings.publicCellResolution);
  }

  /** Recomputes the daily rows of [from, to] from the cases, symptom reports, risks and notifications. */
  async recomputeDays(from: string, to: string): Promise<void> {
    const now = Date.now();
    const today = calendarDay(now, this.settings.timeZone);
    const historyStart = addDays(from, -INDICATOR_LOOKBACK_DAYS);
    const inRange = (day: string) => day >= from && day <= to;
    // Cases with an onset in range may have been reported any time up to today.
    const cases = await this.epidemic.reportedBetween(historyStart, to > today ? to : today);
    const byReport = new Map<string, number>();
    const byOnset = new Map<string, number>();
    const cellCounts = new Map<string, number>();
    const tracedCaseDay = new Map<string, string>();
    const tracedCases = new Map<string, number>();
    for (const c of cases) {
      increment(byReport, c.report_date);
      if (c.onset_date !== null && inRange(c.onset_date)) increment(byOnset, c.onset_date);
      if (!inRange(c.report_date)) continue;
      if (c.origin === 'app') {
        tracedCaseDay.set(c.id, c.report_date);
        increment(tracedCases, c.report_date);
      }
      const cell = c.cell === null ? null : this.publicCell(c.cell);
      if (cell !== null) increment(cellCounts, `${c.report_date}|${cell}`);
    }
    const symptoms = new Map<string, number>();
    for (const at of await this.repository.symptomReportTimes(
      startOfDay(from, this.settings.timeZone),
      startOfDay(addDays(to, 1), this.settings.timeZone),
    )) {
      increment(symptoms, calendarDay(at, this.settings.timeZone));
    }
    // Contacts traced for the cases reported each day, and those of them notified for a day of that exposure.
    const risks = await this.repository.risksOfCases([...tracedCaseDay.keys()]);
    const notifiedDays = new Set(
      (await this.repository.notificationsOf([...new Set(risks.map((r) => r.exposed_user_id))])).map(
        (n) => `${n.user_id}|${n.exposure_date}`,
      ),
    );
    const contacts = new Map<string, Set<string>>();
    const notified = new Map<string, Set<string>>();
    for (const r of risks) {
      const day = tracedCaseDay.get(r.case_id)!;
      contacts.set(day, (contacts.get(day) ?? new Set()).add(r.exposed_user_id));
      if (notifiedDays.has(`${r.exposed_user_id}|${r.exposure_date}`))
        notified.set(day, (notified.get(day) ?? new Set()).add(r.exposed_user_id));
    }

    const series = daysBetween(historyStart, to).map((day) => byReport.get(day) ?? 0);
    const existing = await this.repository.insightDatesBetween(from, to);
    const rows: InsightRow[] = [];
    daysBetween(from, to).forEach((date, k) => {
      const traced = tracedCases.get(date) ?? 0;
      const contactsTraced = contacts.get(date)?.size ?? 0;
      const notifiedCount = notified.get(date)?.size ?? 0;
      const row: InsightRow = {
        date,
        cases: byReport.get(date) ?? 0,
        cases_by_onset: byOnset.get(date) ?? 0,
        traced_cases: traced,
        symptom_reports: symptoms.get(date) ?? 0,
        contacts_traced: contactsTraced,
        notified: notifiedCount,
        ...indicatorsAt(series, k + INDICATOR_LOOKBACK_DAYS),
        contacts_per_case: ratio(contactsTraced, traced),
        notified_per_case: ratio(notifiedCount, traced),
        rt: null,
        updated_at: now,
      };
      const empty =
        row.cases === 0 &&
        row.cases_by_onset === 0 &&
        row.symptom_reports === 0 &&
        traced === 0 &&
        contactsTraced === 0 &&
        row.cases_7day_avg === 0;
      if (!empty || existing.has(date)) rows.push(row);
    });
    const cellRows: NewRow<'analytics_cell_days'>[] = [...cellCounts].map(([key, count]) => {
      const [date, cell] = key.split('|') as [string, string];
      return { date, cell, cases: count, updated_at: now };
    });
    await this.repository.writeDays(rows, { from, to, rows: cellRows }, randomUUID);
  }

  /** Recomputes the notification outcomes of the people first notified in [from, to]. */
  async recomputeOutcomes(from: string, to: string): Promise<void> {
    const now = Date.now();
    const tz = this.settings.timeZone;
    const users = await this.repository.usersNotifiedBetween(startOfDay(from, tz), startOfDay(addDays(to, 1), tz));
    const notifications = users.length === 0 ? [] : await this.repository.notificationsOf(users);
    const cases = users.length === 0 ? [] : await this.repository.caseCreationsOf(users);
    const counts = notificationOutcomes(notifications, cases, (ms) => calendarDay(ms, tz)).filter(
      (c) => c.day >= from && c.day <= to,
    );
    const rows = new Map<string, NewRow<'analytics_notification_outcomes'>>();
    // Rows that no longer have anyone (erased people) go back to zero rather than keep stale counts.
    for (const old of await this.repository.outcomesBetween(from, to)) {
      rows.set(`${old.date}|${old.tier}`, {
        date: old.date,
        tier: old.tier,
        notified: 0,
        became_cases: 0,
        updated_at: now,
      });
    }
    for (const c of counts) {
      if (TIERS.includes(c.tier))
        rows.set(`${c.day}|${c.tier}`, {
          date: c.day,
          tier: c.tier,
          notified: c.notified,
          became_cases: c.became_cases,
          updated_at: now,
        });
    }
    await this.repository.upsertOutcomes([...rows.values()]);
  }
}
