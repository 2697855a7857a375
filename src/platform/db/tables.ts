import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { ReportType, RevokeReason } from '../../contracts/cases.js';

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

export type StaffRole = 'health_professional' | 'authority' | 'admin' | 'lab';

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
  /** 'exposure': a tier rose; 'update': a tier fell (a case revoked or corrected), `tier` being the new one. */
  kind: 'exposure' | 'update';
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

export type { ReportType };

export interface CasesTable {
  id: string;
  user_id: string;
  report_type: ReportType;
  test_date: string | null;
  onset_date: string | null;
  managed_by: string | null;
  created_at: number;
  /** 'active' while open; what an open case is (self-reported, held, confirmed): see cases/model.ts. */
  status: Generated<'active' | 'closed' | 'revoked'>;
  report_date: string | null;
  /** Infectious window [window_start, window_end) in epoch ms, from the risk model. */
  window_start: number | null;
  window_end: number | null;
  traced_at: number | null;
  updated_at: number | null;
  /** H3 cell (H3_RESOLUTION) where the person spent most time in the infectious window; set by the trace. */
  cell: string | null;
  confirmed_at: number | null;
  closed_at: number | null;
  revoked_at: number | null;
  revoked_reason: RevokeReason | null;
  /** Set while a self-report waits for confirmation before its contacts are notified (SELF_REPORTS=hold). */
  held_at: number | null;
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
  /** Why, for a change (a case corrected, closed or revoked): the reason given. */
  detail: string | null;
}

/** A case manager's stream event, numbered per staff member (the SSE event id). */
export interface StaffEventsTable {
  staff_id: string;
  seq: number;
  kind: 'exposure_risk' | 'case_changed';
  /** JSON of the event. */
  payload: string;
  created_at: number;
}

// ---- Infection zones and alerts (migration 0006) ------------------------------------------------------------

/** One run of the cluster scan: its inputs' summary and the clusters it reported (JSON). */
export interface ZoneScansTable {
  id: string;
  ran_at: number;
  /** Study period by report date, inclusive. */
  study_start: string;
  study_end: string;
  /** H3 resolution the cases were scanned at (SCAN_RESOLUTION). */
  resolution: number;
  /** JSON of the scan parameters (rings, days, replications, seed, thresholds). */
  params: string;
  total_cases: number;
  /** Cases with a cell at the scan resolution or finer (the others cannot be placed). */
  located_cases: number;
  cells_with_cases: number;
  max_llr: number;
  p_value: number;
  duration_ms: number;
  /** JSON array of the reported clusters, each with its tracked cluster and alert ids when significant. */
  clusters: string;
}

/** A significant cluster followed across scans: found again (overlapping cells, ongoing) it is the same one. */
export interface ZoneClustersTable {
  id: string;
  /** resolution:centre:start_date of its first detection; unique, so concurrent scans cannot create it twice. */
  identity_key: string;
  resolution: number;
  centre: string;
  radius: number;
  /** JSON array of the H3 cells of its latest detection. */
  cells: string;
  start_date: string;
  /** Last day of the latest study period in which it was significant. */
  end_date: string;
  observed: number;
  expected: number;
  /** null when every case of the study period is inside (infinite). */
  relative_risk: number | null;
  llr: number;
  p_value: number;
  recurrence_interval_days: number;
  first_detected_at: number;
  last_detected_at: number;
  first_scan_id: string;
  last_scan_id: string;
}

/** An alert to authorities; `seq` numbers them (the SSE event id). One per tracked cluster. */
export interface AlertsTable {
  id: string;
  seq: number;
  kind: 'cluster';
  cluster_id: string;
  /** JSON of the alert as served (no personal data: cells, counts, dates). */
  payload: string;
  created_at: number;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

/** The webhook outbox: one row per alert and URL, retried with backoff until delivered. */
export interface WebhookDeliveriesTable {
  id: string;
  alert_id: string;
  url: string;
  state: WebhookDeliveryState;
  attempts: Generated<number>;
  /** When the next attempt is due; while an attempt runs, the end of its lease. */
  next_attempt_at: number;
  delivered_at: number | null;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
}

// ---- end of infection zones and alerts ------------------------------------------------------------------------

// ---- Analytics (migration 0005) -----------------------------------------------------------------------------
// Declaration merging keeps this block self-contained: it adds the engine's columns to EpidemiologicalInsightsTable
// and its own tables to Database. Every row here is derived; the analytics engine recomputes it from the records.

export interface EpidemiologicalInsightsTable {
  /** Cases whose onset was on `date` (`cases` counts them by report date). */
  cases_by_onset: Generated<number>;
  /** App cases reported on `date`: the ones whose contacts are traced. */
  traced_cases: Generated<number>;
  cases_7day_avg: Generated<number>;
  /** Daily growth rate from the week-on-week ratio (analytics/model.ts). */
  growth_rate: number | null;
  doubling_time_days: number | null;
  contacts_per_case: number | null;
  notified_per_case: number | null;
}

/** Per day of first notification and tier: people notified, and how many of them later became cases. */
export interface AnalyticsNotificationOutcomesTable {
  date: string;
  tier: 'medium' | 'high';
  notified: number;
  became_cases: number;
  updated_at: number;
}

/** Cases reported per day and H3 cell (at PUBLIC_CELL_RESOLUTION): the public aggregate's map. */
export interface AnalyticsCellDaysTable {
  date: string;
  cell: string;
  cases: number;
  updated_at: number;
}

export interface Database {
  analytics_notification_outcomes: AnalyticsNotificationOutcomesTable;
  analytics_cell_days: AnalyticsCellDaysTable;
}

// ---- end of analytics ------------------------------------------------------------------------------------------

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
  zone_scans: ZoneScansTable;
  zone_clusters: ZoneClustersTable;
  alerts: AlertsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

export type Row<T extends keyof Database> = Selectable<Database[T]>;
export type NewRow<T extends keyof Database> = Insertable<Database[T]>;
export type RowUpdate<T extends keyof Database> = Updateable<Database[T]>;
