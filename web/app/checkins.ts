import type { CheckinObservation } from '../../src/contracts/interactions.js';

/** A check-in still going on: recorded (and uploaded) when the person leaves or the planned stay is over. */
export interface ActiveCheckin {
  readonly venueId: string;
  readonly venueName: string | null;
  readonly startedAt: number;
  readonly plannedEndAt: number;
}

const KEY = 'epitrace.checkin';

export function loadActiveCheckin(): ActiveCheckin | null {
  const raw = localStorage.getItem(KEY);
  return raw === null ? null : (JSON.parse(raw) as ActiveCheckin);
}

export function saveActiveCheckin(checkin: ActiveCheckin | null): void {
  if (checkin === null) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, JSON.stringify(checkin));
}

export function checkinObservation(venueId: string, startedAt: number, endedAt: number): CheckinObservation {
  return {
    id: crypto.randomUUID(),
    kind: 'checkin',
    venue_id: venueId,
    started_at: new Date(startedAt).toISOString(),
    ended_at: new Date(endedAt).toISOString(),
  };
}
