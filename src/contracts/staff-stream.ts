/** The events of a case manager's live stream (GET /exposure_risks/stream and its WebSocket), as the dashboard reads them. */

/** The event a case manager's live stream receives for each new or updated exposure risk. */
export interface ExposureRiskEvent {
  readonly type: 'exposure_risk';
  /** Position in the case manager's stream (the SSE event id). */
  readonly seq: number;
  readonly case_id: string;
  readonly contact_user_id: string;
  readonly exposure_risk_id: string;
  readonly interaction_id: string;
  readonly risk_level: number;
  readonly weighted_minutes: number;
  readonly exposure_date: string;
  readonly contact_kind: string;
  readonly tier: string;
  readonly updated_at: string;
}

/** The event a case manager's live stream receives when one of their cases is corrected, closed or revoked. */
export interface CaseChangedEvent {
  readonly type: 'case_changed';
  /** Position in the case manager's stream (the SSE event id). */
  readonly seq: number;
  readonly case_id: string;
  readonly change: 'corrected' | 'closed' | 'revoked';
  /** The case's life-cycle status after the change. */
  readonly status: string;
  /** Why: the revocation reason, or the reason a professional gave for a correction or closure. */
  readonly reason: string | null;
  /** Exposure risks the change removed (a revocation), and the people they exposed. */
  readonly risks_removed: number;
  readonly contacts_affected: number;
  readonly changed_at: string;
}

/** Any event of a case manager's stream. */
export type StaffEvent = ExposureRiskEvent | CaseChangedEvent;
