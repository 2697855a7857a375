/** Staff sessions (migration 0016), merged into the shared Database type. Only keyed hashes of refresh tokens. */
export interface StaffSessionsTable {
  id: string;
  /** HMAC-SHA256 of the refresh token under a key derived from the token secret. */
  token_hash: string;
  staff_id: string;
  /** One sign-in: every token its refreshes handed out. */
  family_id: string;
  /** When the family's sign-in happened (the absolute limit counts from here). */
  session_started_at: number;
  /** When this token was handed out. */
  created_at: number;
  /** When this token was exchanged for the next one (spent); null while it is the family's live token. */
  used_at: number | null;
  /** After this the token no longer refreshes: idle limit, capped by the absolute limit. */
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: StaffSessionEnd | null;
}

/** Why a family was revoked. */
export type StaffSessionEnd = 'signed_out' | 'reused' | 'account_disabled';

declare module '../../platform/db/tables.js' {
  interface Database {
    staff_sessions: StaffSessionsTable;
  }
}
