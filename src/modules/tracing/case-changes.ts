import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { EventBus } from '../../platform/bus/event-bus.js';
import type { Database } from '../../platform/db/tables.js';
import type { UpdateCause } from '../notifications/model.js';
import type { NotificationsService } from '../notifications/service.js';
import type { TracingRepository } from './repository.js';
import type { RiskWriter } from './risk-writer.js';
import { staffChannel, type CaseChangedEvent } from './staff-events.js';

/** A change of a case, as its manager's stream tells it. */
export interface CaseChangeNote {
  readonly caseId: string;
  /** The case's manager, whose stream hears of the change (none: nobody's). */
  readonly managedBy: string | null;
  readonly change: CaseChangedEvent['change'];
  /** The case's life-cycle status after the change. */
  readonly status: string;
  readonly reason: string | null;
}

/** What a change wrote in the caller's transaction; `publish` once it has committed. */
export interface StagedCaseChange {
  readonly risksRemoved: number;
  readonly contactsAffected: number;
  /** Update notifications written. */
  readonly notifications: number;
  publish(): Promise<void>;
}

/**
 * What the cases module asks of tracing when a case is corrected, closed or revoked, inside the cases module's own
 * transaction: for a revocation every risk the case caused is removed, the people's days summed again and each
 * day whose tier falls gets an update notification; every change reaches the case manager's stream.
 * (A correction's new window is traced by the trace job the cases module enqueues, like a report's.)
 */
export class CaseChangesService {
  constructor(
    private readonly riskWriter: Pick<RiskWriter, 'retract'>,
    private readonly tracing: Pick<TracingRepository, 'insertStaffEvents'>,
    private readonly notifications: Pick<NotificationsService, 'publishCreated'>,
    private readonly bus: EventBus,
    private readonly log: FastifyBaseLogger,
  ) {}

  /** `retract`: remove the case's risks, telling people whose tier falls why (a revocation's reason); null: keep them. */
  async apply(
    trx: Kysely<Database>,
    note: CaseChangeNote,
    retract: UpdateCause | null,
    now: number,
  ): Promise<StagedCaseChange> {
    const removed =
      retract === null
        ? { risks: 0, contacts: 0, created: [] }
        : await this.riskWriter.retract(trx, note.caseId, retract, now);
    let staffEvent: { staffId: string; event: CaseChangedEvent } | null = null;
    if (note.managedBy !== null) {
      const payload: Omit<CaseChangedEvent, 'seq'> = {
        type: 'case_changed',
        case_id: note.caseId,
        change: note.change,
        status: note.status,
        reason: note.reason,
        risks_removed: removed.risks,
        contacts_affected: removed.contacts,
        changed_at: new Date(now).toISOString(),
      };
      const [seq] = await this.tracing.insertStaffEvents(trx, note.managedBy, [payload], now);
      staffEvent = { staffId: note.managedBy, event: { ...payload, seq: seq! } };
    }
    return {
      risksRemoved: removed.risks,
      contactsAffected: removed.contacts,
      notifications: removed.created.length,
      publish: async () => {
        await this.notifications.publishCreated(removed.created);
        if (staffEvent === null) return;
        await this.bus
          .publish(staffChannel(staffEvent.staffId), staffEvent.event)
          .catch((error: unknown) =>
            this.log.warn({ err: error }, 'staff event not published; it is replayed from the database'),
          );
      },
    };
  }
}
