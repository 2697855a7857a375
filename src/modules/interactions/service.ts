import type { Interaction, ListInteractionsQuery, UploadInteractionsBody } from '../../contracts/interactions.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, conflict, forbidden } from '../../platform/http/problem.js';
import type { AccessService } from '../access/service.js';
import type { NewRow } from '../../platform/db/tables.js';
import type { ScheduledJob, TraceScheduler } from '../tracing/worker.js';
import { GroupCommit } from '../../platform/db/group-commit.js';
import { presenceRowsOf, timeProblem, toRow, type IngestRules } from './model.js';
import {
  InteractionOwnershipConflict,
  type InteractionsRepository,
  type StoredUpload,
  type Upload,
} from './repository.js';

/** At most this many uploads share a transaction (each holds at most 1,000 observations). */
const UPLOADS_PER_TRANSACTION = 50;

const iso = (ms: number) => new Date(ms).toISOString();

export function presentInteraction(row: Row<'interactions'>): Interaction {
  return {
    id: row.id,
    user_id: row.user_id,
    kind: row.kind,
    location: row.location,
    lat: row.lat,
    lng: row.lng,
    accuracy_m: row.accuracy_m,
    venue_id: row.venue_id,
    peer_token: row.peer_token,
    attenuation_db: row.attenuation_db,
    started_at: iso(row.timestamp),
    ended_at: iso(row.ended_at),
    received_at: iso(row.received_at),
  };
}

/** A match job run by this process carries the rows just stored, so the match need not read them back. */
function withStoredRows(scheduled: ScheduledJob, storedById: ReadonlyMap<string, Row<'interactions'>>): ScheduledJob {
  const { job } = scheduled;
  if (job.kind !== 'match_upload') return scheduled;
  const stored = job.interactionIds.map((id) => storedById.get(id));
  return stored.every((row): row is Row<'interactions'> => row !== undefined)
    ? { ...scheduled, job: { ...job, stored } }
    : scheduled;
}

export class InteractionsService {
  constructor(
    private readonly interactions: InteractionsRepository,
    private readonly access: AccessService,
    private readonly rules: IngestRules,
    private readonly peers: {
      resolve(observed: ReadonlyArray<{ token: string; at: number }>): Promise<Map<string, string>>;
    },
    private readonly tracer: Pick<TraceScheduler, 'enqueueMany' | 'kick'>,
  ) {}

  private readonly writes = new GroupCommit<Upload, StoredUpload>((uploads) => this.writeUploads(uploads), {
    maxBatch: UPLOADS_PER_TRANSACTION,
  });

  async upload(actor: AuthenticatedPrincipal, body: UploadInteractionsBody) {
    if (actor.kind !== 'user') throw forbidden('only app users upload interactions');
    const now = Date.now();
    const seen = new Set<string>();
    body.interactions.forEach((observation, index) => {
      const id = observation.id.toLowerCase();
      if (seen.has(id)) throw badRequest(`body/interactions/${index}/id repeats an id earlier in the batch`);
      seen.add(id);
      const problem = timeProblem(observation, this.rules, now);
      if (problem !== null) throw badRequest(`body/interactions/${index} ${problem}`);
    });
    const rows = body.interactions.map((o) => toRow(o, actor.userId, this.rules, now));
    await this.resolvePeers(rows);
    try {
      const { stored, createdIds } = await this.writes.submit({ userId: actor.userId, rows });
      return {
        interactions: stored.map(presentInteraction),
        created: createdIds.length,
        duplicates: stored.length - createdIds.length,
      };
    } catch (error) {
      if (error instanceof InteractionOwnershipConflict) {
        throw conflict(
          `interaction id ${error.ids[0]} is already used; generate a new UUID. Nothing from this batch was stored.`,
        );
      }
      throw error;
    }
  }

  /**
   * The uploads that arrived while the previous write was in flight, in one transaction; their match jobs run after it
   * commits.
   */
  private async writeUploads(uploads: readonly Upload[]): Promise<Array<StoredUpload | InteractionOwnershipConflict>> {
    const { results, committed } = await this.interactions.insertUploads(
      uploads,
      (row) => presenceRowsOf(row, this.rules.timeBucketMinutes),
      (trx, created) =>
        this.tracer.enqueueMany(
          trx,
          created.map((c) => ({ kind: 'match_upload', userId: c.userId, interactionIds: c.createdIds })),
        ),
    );
    const storedById = new Map(
      results.flatMap((r) => (r instanceof InteractionOwnershipConflict ? [] : r.stored)).map((row) => [row.id, row]),
    );
    for (const scheduled of committed.flat()) this.tracer.kick(withStoredRows(scheduled, storedById));
    return results;
  }

  /** Bluetooth records carry the peer's rotating token; the server alone can tell whose it was. */
  private async resolvePeers(rows: NewRow<'interactions'>[]): Promise<void> {
    const observed = rows
      .filter((r) => r.peer_token !== null && r.peer_token !== undefined)
      .map((r) => ({ token: r.peer_token!, at: r.timestamp }));
    if (observed.length === 0) return;
    const owners = await this.peers.resolve(observed);
    for (const row of rows) {
      const owner = row.peer_token ? owners.get(row.peer_token) : undefined;
      if (owner !== undefined && owner !== row.user_id) row.peer_user_id = owner;
    }
  }

  async list(actor: AuthenticatedPrincipal, query: ListInteractionsQuery, requestId: string) {
    const userId = query.user_id.toLowerCase();
    await this.access.assertMay(actor, userId, 'read', 'interactions.list', requestId);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.interactions.listForUser(userId, limit, after);
    const page = pageOf(rows, limit, (r) => ({ at: r.timestamp, id: r.id }));
    return { interactions: page.items.map(presentInteraction), next_cursor: page.nextCursor };
  }
}
