import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  NOTIFICATION_EVENT,
  type ExposureDetails,
  type ListNotificationsQuery,
  type Notification,
  type NotificationCreatedMessage,
  type NotificationPage,
} from '../../contracts/notifications.js';
import type { EventBus } from '../../platform/bus/event-bus.js';
import { decodeCursor, pageOf } from '../../platform/db/keyset.js';
import type { Database, Row } from '../../platform/db/tables.js';
import type { AuthenticatedPrincipal } from '../../platform/http/principal.js';
import { badRequest, forbidden, notFound } from '../../platform/http/problem.js';
import type { OrderedEventSource, StreamEvent } from '../../platform/realtime/ordered-stream.js';
import { mayAccessPerson } from '../access/policy.js';
import {
  composeExposureNotification,
  composeUpdateNotification,
  storedFacts,
  storedUpdateFacts,
  type ExposureFacts,
  type UpdateFacts,
} from './model.js';
import type { NewExposureNotification, NotificationsRepository } from './repository.js';

export interface NotificationsSettings {
  /** Deployment time zone: the text's dates and times are local to it. */
  readonly timeZone: string;
  /** Where failed publications are reported (they are not fatal: the outbox row is committed). */
  readonly log?: { warn(details: object, message: string): void };
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The bus channel of one app user's notifications. */
export const userChannel = (userId: string) => `user:${userId}`;

function factsOfRow(row: Row<'notifications'>): Partial<ExposureFacts> & Partial<Omit<UpdateFacts, 'tier'>> {
  try {
    return JSON.parse(row.data) as Partial<ExposureFacts> & Partial<Omit<UpdateFacts, 'tier'>>;
  } catch {
    return {}; // a row written by hand: present what the columns say
  }
}

/** An exposure's facts; for an update, what still counts that day (no episode left: 0 episodes and minutes). */
function detailsOf(row: Row<'notifications'>): ExposureDetails {
  const facts = factsOfRow(row);
  const main = facts.main ?? undefined;
  return {
    contact_kind: main?.contact_kind ?? 'gps',
    place: main?.place ?? null,
    ...(main?.venue_name ? { venue_name: main.venue_name } : {}),
    started_at: iso(main?.started_at ?? row.created_at),
    ended_at: iso(main?.ended_at ?? row.created_at),
    minutes: main?.minutes ?? 0,
    episodes: facts.episodes ?? 1,
    total_weighted_minutes: facts.total_weighted_minutes ?? 0,
  };
}

function updateOf(row: Row<'notifications'>): Pick<Notification, 'update'> {
  if (row.kind !== 'update') return {};
  const facts = factsOfRow(row);
  return {
    update: {
      previous_tier: facts.previous_tier ?? 'high',
      tier: row.tier === 'medium' ? 'medium' : 'low',
      cause: facts.cause ?? 'corrected',
    },
  };
}

export function presentNotification(row: Row<'notifications'>): Notification {
  return {
    id: row.id,
    seq: Number(row.seq),
    kind: row.kind,
    tier: row.tier,
    exposure_date: row.exposure_date,
    title: row.title,
    body: row.body,
    details: detailsOf(row),
    ...updateOf(row),
    created_at: iso(Number(row.created_at)),
    acked_at: row.acked_at === null ? null : iso(Number(row.acked_at)),
  };
}

function toStreamEvent(notification: Notification): StreamEvent {
  return { id: notification.seq, event: NOTIFICATION_EVENT, data: notification };
}

/** A bus payload announcing a notification, or null when it is something else. */
export function notificationFromBus(payload: unknown): Notification | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const message = payload as Partial<NotificationCreatedMessage>;
  if (message.type !== 'notification.created') return null;
  const n = message.notification as Partial<Notification> | undefined;
  if (
    typeof n !== 'object' ||
    n === null ||
    !Number.isSafeInteger(n.seq) ||
    (n.seq as number) < 1 ||
    typeof n.id !== 'string'
  )
    return null;
  return n as Notification;
}

/**
 * Exposure notifications: the outbox (written in the tracing transaction, published after its commit), the app
 * user's list and acknowledgements, and the sources the real-time streams replay and follow.
 * Staff have no notifications (403); an app user sees their own only (403 for another person's, 404 for none).
 */
export class NotificationsService {
  constructor(
    private readonly notifications: NotificationsRepository,
    private readonly bus: EventBus,
    private readonly settings: NotificationsSettings,
  ) {}

  /**
   * Writes an exposure notification for `userId` inside the caller's transaction and returns its row. The caller
   * passes the returned rows to `publishCreated` after the commit (never before: a subscriber must be able to read
   * what it is told about). Concurrent creation for one person on PostgreSQL: see insertExposureNotifications.
   */
  async create(
    trx: Kysely<Database>,
    userId: string,
    facts: ExposureFacts,
    now = Date.now(),
  ): Promise<Row<'notifications'>> {
    const [row] = await this.notifications.insertExposureNotifications(trx, [this.compose(userId, facts, now)]);
    return row!;
  }

  /** `create` for many people at once (a trace's notifications), in the order given. */
  createMany(
    trx: Kysely<Database>,
    items: ReadonlyArray<{ userId: string; facts: ExposureFacts }>,
    now = Date.now(),
  ): Promise<Row<'notifications'>[]> {
    return this.notifications.insertExposureNotifications(
      trx,
      items.map(({ userId, facts }) => this.compose(userId, facts, now)),
    );
  }

  /**
   * Update notifications (a day's tier fell below the one its person was notified of), written in the caller's
   * transaction like `createMany`; publish them with `publishCreated` after the commit.
   */
  createUpdates(
    trx: Kysely<Database>,
    items: ReadonlyArray<{ userId: string; facts: UpdateFacts }>,
    now = Date.now(),
  ): Promise<Row<'notifications'>[]> {
    return this.notifications.insertExposureNotifications(
      trx,
      items.map(({ userId, facts }) => {
        const { title, body } = composeUpdateNotification(facts);
        return {
          id: randomUUID(),
          user_id: userId,
          kind: 'update' as const,
          tier: facts.tier,
          exposure_date: facts.exposure_date,
          title,
          body,
          data: JSON.stringify(storedUpdateFacts(facts)),
          created_at: now,
        };
      }),
    );
  }

  private compose(userId: string, facts: ExposureFacts, now: number): NewExposureNotification {
    const { title, body } = composeExposureNotification(facts, this.settings.timeZone);
    return {
      id: randomUUID(),
      user_id: userId,
      tier: facts.tier,
      exposure_date: facts.exposure_date,
      title,
      body,
      data: JSON.stringify(storedFacts(facts)),
      created_at: now,
    };
  }

  /**
   * After the commit: announces each row on its person's channel, in the given order. Never throws: a failed
   * publication only delays delivery (the row is in the outbox; the app gets it on its next connection or poll).
   */
  async publishCreated(rows: readonly Row<'notifications'>[]): Promise<void> {
    for (const row of rows) {
      const message: NotificationCreatedMessage = {
        type: 'notification.created',
        notification: presentNotification(row),
      };
      try {
        await this.bus.publish(userChannel(row.user_id), message);
      } catch (error) {
        this.settings.log?.warn(
          { err: error, notification_id: row.id },
          'could not publish a notification; it stays in the outbox',
        );
      }
    }
  }

  async list(actor: AuthenticatedPrincipal, query: ListNotificationsQuery): Promise<NotificationPage> {
    const userId = this.appUser(actor);
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null)
      throw badRequest('querystring/cursor is not a cursor this server issued');
    const limit = query.limit ?? 100;
    const rows = await this.notifications.list(userId, {
      limit,
      beforeSeq: after?.at ?? null,
      unackedOnly: query.unacked === true,
    });
    const page = pageOf(rows, limit, (r) => ({ at: Number(r.seq), id: r.id }));
    return { notifications: page.items.map(presentNotification), next_cursor: page.nextCursor };
  }

  /** Acknowledges that the app showed a notification. Idempotent: the first acknowledgement's time is kept. */
  async ack(actor: AuthenticatedPrincipal, rawId: string, now = Date.now()): Promise<Notification> {
    this.appUser(actor);
    const id = rawId.toLowerCase();
    const row = await this.notifications.findById(id);
    if (row === undefined) throw notFound(`notification ${id} does not exist`);
    if (!mayAccessPerson(actor, row.user_id, 'write', { managesPerson: false })) {
      throw forbidden('an app user may only access their own data');
    }
    if (row.acked_at !== null) return presentNotification(row);
    const acked = await this.notifications.ack(id, now);
    if (acked === undefined) throw notFound(`notification ${id} does not exist`);
    return presentNotification(acked);
  }

  /**
   * The caller's notifications as an ordered event source (ids are seqs). Without a position the replay is every
   * unacknowledged notification; with one, every notification after it. (A first replay of more than one page of
   * unacknowledged notifications continues with everything after the page.)
   */
  streamSource(actor: AuthenticatedPrincipal): OrderedEventSource {
    const userId = this.appUser(actor);
    return {
      channel: userChannel(userId),
      consecutiveIds: true,
      replay: async (afterId, limit) => {
        const rows =
          afterId === undefined
            ? await this.notifications.listUnacked(userId, limit)
            : await this.notifications.listAfterSeq(userId, afterId, limit);
        return rows.map((row) => toStreamEvent(presentNotification(row)));
      },
      fromBus: (payload) => {
        const notification = notificationFromBus(payload);
        return notification === null ? null : toStreamEvent(notification);
      },
    };
  }

  private appUser(actor: AuthenticatedPrincipal): string {
    if (actor.kind !== 'user') throw forbidden('staff accounts have no notifications');
    return actor.userId;
  }
}
