import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { forbidden } from '../../platform/http/problem.js';
import type { OrderedEventSource, StreamEvent } from '../../platform/realtime/ordered-stream.js';
import type { StaffEventsRepository } from './repositories/staff-events-repository.js';
import { staffChannel, type StaffEvent } from './staff-events.js';

export const EXPOSURE_RISK_EVENT = 'exposure_risk';
export const CASE_CHANGED_EVENT = 'case_changed';
/** A stream opened without Last-Event-ID starts with the events of this last period. */
const FRESH_STREAM_HISTORY_MS = 24 * 3_600_000;

function isStaffEvent(payload: unknown): payload is StaffEvent {
  const type = (payload as { type?: unknown } | null)?.type;
  return (
    typeof payload === 'object' &&
    payload !== null &&
    (type === EXPOSURE_RISK_EVENT || type === CASE_CHANGED_EVENT) &&
    Number.isSafeInteger((payload as { seq?: unknown }).seq)
  );
}

/**
 * A case manager's live stream of the cases they manage: new and updated exposure risks (`exposure_risk`) and
 * corrections, closures and revocations (`case_changed`).
 */
export class StaffStreamService {
  constructor(private readonly staffEvents: StaffEventsRepository) {}

  source(actor: AuthenticatedPrincipal): OrderedEventSource {
    if (actor.kind !== 'staff' || actor.role !== 'health_professional')
      throw forbidden('only health professionals have an exposure-risk stream');
    const staffId = actor.staffId;
    const toEvent = (event: StaffEvent): StreamEvent => ({
      id: event.seq,
      event: event.type,
      data: event,
    });
    return {
      channel: staffChannel(staffId),
      consecutiveIds: true,
      replay: async (afterId, limit) => {
        const position =
          afterId === undefined ? { sinceMs: Date.now() - FRESH_STREAM_HISTORY_MS } : { afterSeq: afterId };
        const rows = await this.staffEvents.staffEvents(staffId, position, limit);
        return rows.map((row) => toEvent(JSON.parse(row.payload) as StaffEvent));
      },
      fromBus: (payload) => (isStaffEvent(payload) ? toEvent(payload) : null),
    };
  }
}
