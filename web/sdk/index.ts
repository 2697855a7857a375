/**
 * Epitrace client SDK: a typed API client and a resuming real-time stream, with no framework and no Node-only
 * code (fetch, AbortController, TextDecoder), so the web apps, the simulator and tests share it.
 */
export { EpitraceClient, MAX_UPLOAD_BATCH } from './client.js';
export type {
  Alert,
  AlertPage,
  Case,
  CaseContacts,
  CaseStatus,
  CreatedUser,
  EpitraceClientOptions,
  IssueVerificationCodeBody,
  ListCasesQuery,
  Login,
  Notification,
  NotificationPage,
  Observation,
  PageQuery,
  PatchCaseBody,
  RedeemCodeBody,
  RevokeCaseBody,
  RevokeReason,
  RtResult,
  StaffAccount,
  StreamOptions,
  Summary,
  Symptom,
  UploadResult,
  User,
  Venue,
  VerificationCode,
  ZonesResponse,
} from './client.js';
export { EpitraceApiError, type ProblemBody } from './errors.js';
export { RealtimeStream, type RealtimeEvent, type RealtimeState, type RealtimeStreamOptions } from './realtime.js';
export { backoffDelay, type BackoffOptions } from './backoff.js';
export { SseParser, type SseMessage } from './sse-parser.js';
