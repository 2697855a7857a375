import type { Migration, MigrationProvider } from 'kysely';
import * as m0001 from './0001_core.js';
import * as m0002 from './0002_tracing.js';
import * as m0003 from './0003_staff_events.js';
import * as m0004 from './0004_line_list.js';
import * as m0005 from './0005_analytics.js';
import * as m0006 from './0006_zones_alerts.js';
import * as m0007 from './0007_partitioned_interactions.js';
import * as m0008 from './0008_venues.js';
import * as m0009 from './0009_presence_index_clustered.js';
import * as m0010 from './0010_one_active_case.js';
import * as m0011 from './0011_presence_covering_key.js';
import * as m0012 from './0012_venue_places_case_insensitive.js';
import * as m0013 from './0013_case_life_cycle.js';
import * as m0014 from './0014_verification_codes.js';
import * as m0015 from './0015_case_changes.js';
import * as m0016 from './0016_staff_sessions.js';
import * as m0017 from './0017_venue_duplicates.js';

/** Migrations are compiled into the program (no directory scanning), in order. */
const MIGRATIONS: Record<string, Migration> = {
  '0001_core': m0001,
  '0002_tracing': m0002,
  '0003_staff_events': m0003,
  '0004_line_list': m0004,
  '0005_analytics': m0005,
  '0006_zones_alerts': m0006,
  '0007_partitioned_interactions': m0007,
  '0008_venues': m0008,
  '0009_presence_index_clustered': m0009,
  '0010_one_active_case': m0010,
  '0011_presence_covering_key': m0011,
  '0012_venue_places_case_insensitive': m0012,
  '0013_case_life_cycle': m0013,
  '0014_verification_codes': m0014,
  '0015_case_changes': m0015,
  '0016_staff_sessions': m0016,
  '0017_venue_duplicates': m0017,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
