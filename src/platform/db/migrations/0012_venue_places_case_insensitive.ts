import { sql, type Kysely } from 'kysely';

/**
 * Venue codes are case-insensitive, but check-ins were indexed under the code as typed: two phones at the same venue,
 * one with the code in lower case, did not meet in tracing. Check-ins are now indexed under the upper-case code
 * (venuePlace); this brings the rows indexed before in line. The check-ins themselves keep the code as uploaded.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`update presence_index set place = 'venue:' || upper(substr(place, 7))
    where place like 'venue:%' and substr(place, 7) <> upper(substr(place, 7))`.execute(db);
}

/** Back to the code as each check-in was uploaded. */
export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update presence_index set place = 'venue:' || i.venue_id from interactions i
    where i.id = presence_index.interaction_id and presence_index.place like 'venue:%' and presence_index.place <> 'venue:' || i.venue_id`.execute(
    db,
  );
}
