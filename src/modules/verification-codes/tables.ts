import type { ReportType } from '../../platform/db/tables.js';

/** Verification codes (migration 0014), merged into the shared Database type. Only keyed hashes of codes are stored. */
export interface VerificationCodesTable {
  id: string;
  /** HMAC-SHA256 of the normalised short code ('XXXX-XXXX-C'). */
  short_hash: string;
  /** HMAC-SHA256 of the long code. */
  long_hash: string;
  report_type: Exclude<ReportType, 'self_reported'>;
  test_date: string;
  onset_date: string | null;
  /** The staff member (health professional or laboratory) who issued it. */
  issued_by: string;
  issuer_role: 'health_professional' | 'lab';
  created_at: number;
  short_expires_at: number;
  long_expires_at: number;
  used_at: number | null;
  /** The app user who redeemed it. */
  used_by: string | null;
  /** The case it confirmed. */
  case_id: string | null;
}

/** One failed redemption, kept an hour for the attempt limit; `key` is a keyed hash of the account or the address. */
export interface VerificationFailuresTable {
  key: string;
  at: number;
}

declare module '../../platform/db/tables.js' {
  interface Database {
    verification_codes: VerificationCodesTable;
    verification_failures: VerificationFailuresTable;
  }
}
