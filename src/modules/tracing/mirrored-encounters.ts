import { createHash } from 'node:crypto';
import type { NewRow } from '../../platform/db/tables.js';
import { timeBucket, type PresenceRecord } from './matching.js';

/** A stable id for the mirrored side of an encounter, so re-tracing never stores it twice. */
function mirroredId(sourceInteractionId: string): string {
  const h = createHash('sha256').update(`mirror:${sourceInteractionId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Encounters only the source's phone recorded (no peer's recording overlaps them in `seenBySource`), copied into
 * each peer's history so the risk belongs to the peer: the rows to store, and each as the peer's exposed record.
 */
export function mirrorUnrecordedEncounters(
  sources: readonly PresenceRecord[],
  seenBySource: readonly PresenceRecord[],
  sourceUserId: string,
  bucketMinutes: number,
): { rows: NewRow<'interactions'>[]; exposed: PresenceRecord[] } {
  const rows: NewRow<'interactions'>[] = [];
  const exposed: PresenceRecord[] = [];
  for (const s of sources) {
    if (s.kind !== 'proximity' || s.peerUserId === null || s.attenuationDb === null) continue;
    const recordedByPeer = seenBySource.some(
      (e) => e.userId === s.peerUserId && e.startMs < s.endMs && s.startMs < e.endMs,
    );
    if (recordedByPeer) continue;
    const id = mirroredId(s.interactionId);
    rows.push({
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
      time_bucket: timeBucket(s.startMs, bucketMinutes),
      received_at: Date.now(),
      peer_user_id: sourceUserId,
      origin: 'mirrored',
    });
    exposed.push({ ...s, interactionId: id, userId: s.peerUserId, peerUserId: sourceUserId });
  }
  return { rows, exposed };
}
