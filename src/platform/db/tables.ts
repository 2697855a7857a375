import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The database shape shared by every module. Times are epoch milliseconds (bigint),
 * calendar dates are 'YYYY-MM-DD' text, identifiers are UUID text: the same on SQLite and PostgreSQL.
 * Columns marked "encrypted" hold an AES-256-GCM envelope, never plaintext.
 */
export interface UsersTable {
  id: string;
  name: string | null; // encrypted
  contact_info: string | null; // encrypted
  created_at: number;
}

export interface DeviceTokensTable {
  token_hash: string;
  user_id: string;
  created_at: number;
}

export type StaffRole = 'health_professional' | 'authority' | 'admin';

export interface StaffTable {
  id: string;
  username: string;
  password_hash: string;
  role: StaffRole;
  created_at: number;
  disabled: Generated<number>;
}

export type InteractionKind = 'location' | 'checkin' | 'proximity';

export interface InteractionsTable {
  id: string;
  user_id: string;
  kind: InteractionKind;
  /** H3 cell of the observation (location kind), the seed's `location` column. */
  location: string | null;
  lat: number | null;
  lng: number | null;
  accuracy_m: number | null;
  venue_id: string | null;
  peer_token: string | null;
  attenuation_db: number | null;
  /** Start of the observation, the seed's `timestamp` column. */
  timestamp: number;
  ended_at: number;
  time_bucket: number;
  received_at: number;
  /** The resolved owner of `peer_token` (proximity), never exposed to the app. */
  peer_user_id: string | null;
  /** 'app': uploaded by the phone; 'mirrored': derived from the peer's record of the same encounter. */
  origin: Generated<'app' | 'mirrored'>;
}

/** One row per place (H3 cell or venue) and time bucket an interaction covers: the matching index. */
export interface PresenceIndexTable {
  place: string;
  bucket: number;
  interaction_id: string;
  user_id: string;
  started_at: number;
  ended_at: number;
  lat: number | null;
  lng: number | null;
}

export interface ProximityTokensTable {
  token: string;
  user_id: string;
  valid_from: number;
  valid_to: number;
}

export type RiskTier = 'low' | 'medium' | 'high';

export interface ExposureDaysTable {
  user_id: string;
  date: string;
  weighted_minutes: number;
  tier: RiskTier;
  notified_tier: RiskTier | null;
  updated_at: number;
}

export interface NotificationsTable {
  id: string;
  user_id: string;
  /** Per-user sequence: the SSE event id, for Last-Event-ID replay. */
  seq: number;
  kind: 'exposure';
  tier: RiskTier;
  exposure_date: string;
  title: string;
  body: string;
  /** JSON of the structured facts the text was made from. */
  data: string;
  created_at: number;
  acked_at: number | null;
}

export interface TraceJobsTable {
  id: string;
  kind: 'trace_case' | 'match_upload';
  case_id: string | null;
  user_id: string | null;
  payload: string;
  created_at: number;
  claimed_at: number | null;
  claimed_by: string | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export interface SymptomsTable {
  id: string;
  user_id: string;
  symptom: string;
  /** Onset date of the symptom. */
  date: string;
  reported_at: number;
}

export type ReportType = 'confirmed_test' | 'clinical_diagnosis' | 'self_reported';

export interface CasesTable {
  id: string;
  user_id: string;
  report_type: ReportType;
  test_date: string | null;
  onset_date: string | null;
  managed_by: string | null;
  created_at: number;
  status: Generated<'active' | 'closed'>;
  report_date: string | null;
  /** Infectious window [window_start, window_end) in epoch ms, from the risk model. */
  window_start: number | null;
  window_end: number | null;
  traced_at: number | null;
  updated_at: number | null;
  /** H3 cell (H3_RESOLUTION) where the person spent most time in the infectious window; set by the trace. */
  cell: string | null;
}

/** A case from an imported line list: not an app user, dates of any age. */
export interface LineListCasesTable {
  id: string;
  /** The case's id in the department's line list (unique: re-importing updates, never duplicates). */
  external_id: string | null;
  onset_date: string | null;
  report_date: string;
  cell: string | null;
  lat: number | null;
  lng: number | null;
  infector_external_id: string | null;
  imported_at: number;
  imported_by: string | null;
}

export interface ExposureRisksTable {
  id: string;
  interaction_id: string;
  case_id: string | null;
  risk_level: number;
  exposure_date: string;
  minutes: number;
  weighted_minutes: number;
  proximity_bucket: string;
  infectiousness: string;
  report_type: string;
  model_version: string;
  created_at: number;
  updated_at: number;
  exposed_user_id: string | null;
  /** 'proximity' | 'venue' | 'gps'. */
  contact_kind: string | null;
  /** Venue id or H3 cell where the contact happened (null for Bluetooth). */
  place: string | null;
  episode_start: number | null;
  episode_end: number | null;
}

export interface EpidemiologicalInsightsTable {
  id: string;
  date: string;
  cases: number;
  symptom_reports: Generated<number>;
  contacts_traced: Generated<number>;
  notified: Generated<number>;
  rt: number | null;
  updated_at: number;
}

export interface AuditLogTable {
  id: string;
  at: number;
  actor_kind: 'user' | 'staff';
  actor_id: string;
  actor_role: string;
  action: string;
  subject_user_id: string | null;
  subject_erased: Generated<number>;
  request_id: string | null;
}

/** A case manager's stream event, numbered per staff member (the SSE event id). */
export interface StaffEventsTable {
  staff_id: string;
  seq: number;
  kind: 'exposure_risk';
  /** JSON of the event. */
  payload: string;
  created_at: number;
}

export interface Database {
  users: UsersTable;
  device_tokens: DeviceTokensTable;
  staff: StaffTable;
  interactions: InteractionsTable;
  symptoms: SymptomsTable;
  cases: CasesTable;
  exposure_risks: ExposureRisksTable;
  epidemiological_insights: EpidemiologicalInsightsTable;
  audit_log: AuditLogTable;
  presence_index: PresenceIndexTable;
  proximity_tokens: ProximityTokensTable;
  exposure_days: ExposureDaysTable;
  notifications: NotificationsTable;
  trace_jobs: TraceJobsTable;
  staff_events: StaffEventsTable;
  line_list_cases: LineListCasesTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type RowUpdate<T extends keyof Database> = Updateable<Database[T]>;
