import type { Static } from '@sinclair/typebox';
import type { AlertPage, ListAlertsQuery, Alert } from '../../src/contracts/alerts.js';
import type {
  ImportJsonBody,
  ImportResult,
  PublicAggregate,
  PublicQuery,
  RtQuery,
  RtResult,
  Summary,
  SummaryQuery,
} from '../../src/contracts/analytics.js';
import type {
  Case,
  CasePage,
  CaseStatus,
  CreateCaseBody,
  PatchCaseBody,
  RevokeReason,
} from '../../src/contracts/cases.js';
import type { ExposureRiskPage } from '../../src/contracts/exposure-risks.js';
import type { InteractionPage, Observation, UploadInteractionsResponse } from '../../src/contracts/interactions.js';
import type { Notification, NotificationPage } from '../../src/contracts/notifications.js';
import type { ProximityTokenList } from '../../src/contracts/proximity-tokens.js';
import type { LoginResponse, StaffMember, CreateStaffBody } from '../../src/contracts/staff.js';
import type { ReportSymptomBody, Symptom } from '../../src/contracts/symptoms.js';
import type { CaseContacts } from '../../src/contracts/tracing.js';
import type { CreatedUser, CreateUserBody, User } from '../../src/contracts/users.js';
import type { CreateVenueBody, Venue } from '../../src/contracts/venues.js';
import type {
  IssueVerificationCodeBody,
  RedeemCodeBody,
  VerificationCode,
} from '../../src/contracts/verification-codes.js';
import type { ExposureSitePage, ExposureSitesQuery, ZonesResponse, ZonesQuery } from '../../src/contracts/zones.js';
import { apiErrorOf, isUnauthorized } from './errors.js';
import { RealtimeStream, type RealtimeStreamOptions } from './realtime.js';

/** Most observations the server takes in one POST /interactions. */
export const MAX_UPLOAD_BATCH = 1000;

export type Login = Static<typeof LoginResponse>;
export type StaffAccount = StaffMember;
export type UploadResult = Static<typeof UploadInteractionsResponse>;
export type { Venue };
export type {
  Alert,
  AlertPage,
  Case,
  CaseContacts,
  CaseStatus,
  IssueVerificationCodeBody,
  PatchCaseBody,
  RedeemCodeBody,
  RevokeReason,
  VerificationCode,
  CreatedUser,
  Notification,
  NotificationPage,
  Observation,
  Summary,
  RtResult,
  Symptom,
  User,
  ZonesResponse,
};

export interface PageQuery {
  readonly limit?: number;
  readonly cursor?: string;
}

/** GET /cases: a page, optionally only the cases in one status. */
export interface ListCasesQuery extends PageQuery {
  readonly status?: CaseStatus;
}

/** POST /cases/{id}/revoke: why the case no longer counts (a negative test, or entered in error). */
export interface RevokeCaseBody {
  readonly reason: RevokeReason;
  readonly note?: string;
}

export interface EpitraceClientOptions {
  /** Server origin, e.g. http://localhost:8080 (a path prefix is kept). */
  readonly baseUrl: string;
  /** Bearer token: an app user's (from registerUser) or a staff member's (from login). */
  readonly token?: string;
  /** Extra headers sent with every request. */
  readonly headers?: Record<string, string>;
  /** fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
  /**
   * A staff session that renews itself: its current access token is sent (instead of `token`), and a request refused
   * with 401 is sent once more with the token `renew` gives (see StaffSessionProvider).
   */
  readonly session?: StaffSessionProvider;
}

/**
 * Keeps a staff member's access token fresh for the client (the dashboard's session keeper implements it, with
 * POST /auth/refresh and, when the session has ended, a new sign-in).
 */
export interface StaffSessionProvider {
  /** The access token to send now. */
  token(): string | undefined;
  /**
   * Called when the server refused `rejected` with 401: resolves with a token to try once more, or undefined to give
   * up (the request then fails with the 401); a rejection fails the request with that error.
   */
  renew(rejected: string | undefined): Promise<string | undefined>;
}

/** Options of a real-time stream opened by the client. */
export type StreamOptions<T> = Omit<RealtimeStreamOptions<T>, 'url' | 'token' | 'fetch'>;

type Query = Record<string, string | number | boolean | undefined>;

/**
 * Typed client of the Epitrace HTTP API, free of framework and Node-only code: it runs in browsers and in Node 20.
 * Every method returns the decoded JSON answer or throws an `EpitraceApiError` carrying the problem+json body.
 */
export class EpitraceClient {
  readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: EpitraceClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** The bearer token sent now: the session's current one, or the fixed one. */
  get token(): string | undefined {
    return this.options.session !== undefined ? this.options.session.token() : this.options.token;
  }

  /** The same client acting with another bearer token (and no self-renewing session). */
  withToken(token: string | undefined): EpitraceClient {
    const { session: _session, ...options } = this.options;
    return new EpitraceClient({ ...options, token });
  }

  /** URL of a route with its query string (undefined values left out). */
  url(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value !== undefined) params.set(key, String(value));
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }

  /** Sends a request; resolves with the JSON body (undefined for 204), throws EpitraceApiError on a non-2xx answer. */
  async request<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<T> {
    const { response, url } = await this.send(method, path, options);
    if (!response.ok) throw await apiErrorOf(method, url, response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  /** Like request, with the status too (routes that answer 200 or 201). */
  async requestWithStatus<T>(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown } = {},
  ): Promise<{ status: number; body: T }> {
    const { response, url } = await this.send(method, path, options);
    if (!response.ok) throw await apiErrorOf(method, url, response);
    return { status: response.status, body: (await response.json()) as T };
  }

  private async send(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; headers?: Record<string, string> },
  ): Promise<{ response: Response; url: string }> {
    const url = this.url(path, options.query);
    const headers: Record<string, string> = { accept: 'application/json', ...this.options.headers, ...options.headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    // The sign-in routes (login, refresh, sign-out) take no bearer token (an expired one would be refused) and answer
    // 401 for a bad password or refresh token, which no renewal can fix.
    if (path.startsWith('/auth/')) return { response: await this.fetchImpl(url, { method, headers, body }), url };
    return { response: await this.fetchWithSession(url, { method, headers, body }), url };
  }

  /**
   * fetch with the current bearer token; with a session, a 401 is renewed once and the request sent again with the
   * new token (a 401 the session cannot renew is returned as it is).
   */
  private async fetchWithSession(url: string, init: RequestInit): Promise<Response> {
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const token = this.token;
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    else delete headers.authorization;
    const response = await this.fetchImpl(url, { ...init, headers });
    const session = this.options.session;
    if (response.status !== 401 || session === undefined) return response;
    const renewed = await session.renew(token).catch(async (error: unknown) => {
      // The request's own 401 is the clearer answer when the renewal was refused too.
      if (isUnauthorized(error)) return undefined;
      throw error;
    });
    if (renewed === undefined) return response;
    await response.body?.cancel().catch(() => undefined);
    return this.fetchImpl(url, { ...init, headers: { ...headers, authorization: `Bearer ${renewed}` } });
  }

  // Accounts ---------------------------------------------------------------------------------------------------

  /** POST /users: registers an app user; the answer's `token` is shown only once. */
  registerUser(body: Static<typeof CreateUserBody> = {}): Promise<CreatedUser> {
    return this.request('POST', '/users', { body });
  }

  /** GET /users/{id}. */
  getUser(id: string): Promise<User> {
    return this.request('GET', `/users/${encodeURIComponent(id)}`);
  }

  /** DELETE /users/{id}: erases the person's data everywhere. */
  async deleteUser(id: string): Promise<void> {
    await this.request('DELETE', `/users/${encodeURIComponent(id)}`);
  }

  /**
   * POST /auth/login (staff). Use `withToken(login.token)` to act as the staff member, and `refreshStaffSession` with
   * `login.refresh_token` for a new access token before `expires_in` runs out.
   */
  login(username: string, password: string): Promise<Login> {
    return this.request('POST', '/auth/login', { body: { username, password } });
  }

  /**
   * POST /auth/refresh: a new access token and a new refresh token; the one sent is spent (sending it again ends the
   * session). 401 when the session has ended (idle or absolute limit, signed out, account disabled).
   */
  refreshStaffSession(refreshToken: string): Promise<Login> {
    return this.request('POST', '/auth/refresh', { body: { refresh_token: refreshToken } });
  }

  /** POST /auth/logout: ends the session of this refresh token. */
  async signOutStaff(refreshToken: string): Promise<void> {
    await this.request('POST', '/auth/logout', { body: { refresh_token: refreshToken } });
  }

  /** POST /staff (admin). */
  createStaff(body: Static<typeof CreateStaffBody>): Promise<StaffAccount> {
    return this.request('POST', '/staff', { body });
  }

  // The phone --------------------------------------------------------------------------------------------------

  /** POST /interactions: one batch of at most 1,000 observations (idempotent by observation id). */
  uploadInteractions(observations: Observation[]): Promise<UploadResult> {
    if (observations.length === 0 || observations.length > MAX_UPLOAD_BATCH) {
      return Promise.reject(
        new RangeError(`a batch holds 1 to ${MAX_UPLOAD_BATCH} observations, got ${observations.length}`),
      );
    }
    return this.request('POST', '/interactions', { body: { interactions: observations } });
  }

  /** Uploads any number of observations in batches of at most 1,000, one after the other. */
  async uploadAllInteractions(observations: Observation[]): Promise<{ created: number; duplicates: number }> {
    let created = 0;
    let duplicates = 0;
    for (let i = 0; i < observations.length; i += MAX_UPLOAD_BATCH) {
      const result = await this.uploadInteractions(observations.slice(i, i + MAX_UPLOAD_BATCH));
      created += result.created;
      duplicates += result.duplicates;
    }
    return { created, duplicates };
  }

  /** GET /interactions?user_id=: newest first. */
  listInteractions(userId: string, page: PageQuery = {}): Promise<Static<typeof InteractionPage>> {
    return this.request('GET', '/interactions', { query: { user_id: userId, ...page } });
  }

  /** GET /exposure_risks?interaction_id=. */
  listExposureRisks(interactionId: string, page: PageQuery = {}): Promise<Static<typeof ExposureRiskPage>> {
    return this.request('GET', '/exposure_risks', { query: { interaction_id: interactionId, ...page } });
  }

  /** POST /symptoms: `date` is the onset date (YYYY-MM-DD, not in the future). */
  reportSymptom(body: ReportSymptomBody): Promise<Symptom> {
    return this.request('POST', '/symptoms', { body });
  }

  /**
   * POST /cases/redeem: redeems a verification code from a test; the person's case becomes confirmed (created: a new
   * case; false: their self-report upgraded). Errors: 400 (unknown or mistyped code: the detail says when the check
   * character is wrong), 409 (already used), 410 (expired), 429 (too many attempts: `retryAfter` seconds).
   */
  async redeemCode(body: RedeemCodeBody): Promise<{ case: Case; created: boolean }> {
    const { status, body: answer } = await this.requestWithStatus<Case>('POST', '/cases/redeem', { body });
    return { case: answer, created: status === 201 };
  }

  /** GET /proximity_tokens: the phone's rotating Bluetooth tokens for 24 hours from `from` (default now). */
  proximityTokens(from?: string): Promise<ProximityTokenList> {
    return this.request('GET', '/proximity_tokens', { query: { from } });
  }

  /** GET /notifications. */
  listNotifications(query: PageQuery & { unacked?: boolean } = {}): Promise<NotificationPage> {
    return this.request('GET', '/notifications', { query: { ...query } });
  }

  /** POST /notifications/{id}/ack. */
  ackNotification(id: string): Promise<Notification> {
    return this.request('POST', `/notifications/${encodeURIComponent(id)}/ack`);
  }

  /** GET /notifications/stream: live notifications, replaying what was missed after a reconnection. */
  streamNotifications(options: StreamOptions<Notification>): RealtimeStream<Notification> {
    return this.stream('/notifications/stream', options);
  }

  /**
   * POST /venues: registers a venue (its owner, from the app; or staff); the answer's `id` is the code people check in
   * with.
   */
  registerVenue(body: CreateVenueBody): Promise<Venue> {
    return this.request('POST', '/venues', { body });
  }

  /** GET /venues/{code}. */
  getVenue(code: string): Promise<Venue> {
    return this.request('GET', `/venues/${encodeURIComponent(code)}`);
  }

  // Health professionals ---------------------------------------------------------------------------------------

  /** POST /cases: confirms a case (created: a new case; false: an existing one upgraded). */
  async confirmCase(body: CreateCaseBody): Promise<{ case: Case; created: boolean }> {
    const { status, body: answer } = await this.requestWithStatus<Case>('POST', '/cases', { body });
    return { case: answer, created: status === 201 };
  }

  /**
   * GET /cases: a professional's cases (with `status` self_reported or held: also the open self-reports nobody
   * manages yet); an app user's own cases.
   */
  listCases(query: ListCasesQuery = {}): Promise<Static<typeof CasePage>> {
    return this.request('GET', '/cases', { query: { ...query } });
  }

  /** GET /cases/{id}: one case (its managing professional, or the person whose case it is). */
  getCase(id: string): Promise<Case> {
    return this.request('GET', `/cases/${encodeURIComponent(id)}`);
  }

  /** PATCH /cases/{id}: correct its dates or report type, or close it; `reason` is kept in the audit log. */
  patchCase(id: string, body: PatchCaseBody): Promise<Case> {
    return this.request('PATCH', `/cases/${encodeURIComponent(id)}`, { body });
  }

  /**
   * POST /cases/{id}/revoke: the case no longer counts; the exposures it caused are removed and the people whose risk
   * falls are told. The managing professional revokes a case; a resident their own self-report.
   */
  revokeCase(id: string, body: RevokeCaseBody): Promise<Case> {
    return this.request('POST', `/cases/${encodeURIComponent(id)}/revoke`, { body });
  }

  /**
   * POST /verification_codes (health professional or laboratory): a one-time code the person tested enters in their
   * app (the short one, read out) or scans (the long one, as a QR code or link).
   */
  issueVerificationCode(body: IssueVerificationCodeBody): Promise<VerificationCode> {
    return this.request('POST', '/verification_codes', { body });
  }

  /** GET /cases/{id}/contacts. */
  caseContacts(caseId: string): Promise<CaseContacts> {
    return this.request('GET', `/cases/${encodeURIComponent(caseId)}/contacts`);
  }

  /** GET /exposure_risks/stream: new and changed risks of the caller's cases. */
  streamExposureRisks<T = unknown>(options: StreamOptions<T>): RealtimeStream<T> {
    return this.stream('/exposure_risks/stream', options);
  }

  /** GET /zones/exposure_sites. */
  exposureSites(query: ExposureSitesQuery = {}): Promise<ExposureSitePage> {
    return this.request('GET', '/zones/exposure_sites', { query: { ...query } });
  }

  // Authorities ------------------------------------------------------------------------------------------------

  /** GET /analytics/summary. */
  analyticsSummary(query: SummaryQuery = {}): Promise<Summary> {
    return this.request('GET', '/analytics/summary', { query: { ...query } });
  }

  /** GET /analytics/rt. */
  analyticsRt(query: RtQuery = {}): Promise<RtResult> {
    return this.request('GET', '/analytics/rt', { query: { ...query } });
  }

  /** GET /analytics/public (anonymous). */
  analyticsPublic(query: PublicQuery = {}): Promise<PublicAggregate> {
    return this.request('GET', '/analytics/public', { query: { ...query } });
  }

  /** POST /cases/import (authority): a line list of cases; importing an external_id again updates it. */
  importLineList(cases: Static<typeof ImportJsonBody>['cases']): Promise<ImportResult> {
    return this.request('POST', '/cases/import', { body: { cases } });
  }

  /** GET /zones: clusters of the latest space-time scan. */
  zones(query: ZonesQuery = {}): Promise<ZonesResponse> {
    return this.request('GET', '/zones', { query: { ...query } });
  }

  /** GET /alerts. */
  listAlerts(query: ListAlertsQuery = {}): Promise<AlertPage> {
    return this.request('GET', '/alerts', { query: { ...query } });
  }

  /** GET /alerts/stream. */
  streamAlerts(options: StreamOptions<Alert>): RealtimeStream<Alert> {
    return this.stream('/alerts/stream', options);
  }

  // Operations -------------------------------------------------------------------------------------------------

  /** GET /healthz. */
  health(): Promise<{ status: 'ok' }> {
    return this.request('GET', '/healthz');
  }

  /** Every page of a paginated list, concatenated. */
  async all<T>(
    fetchPage: (page: PageQuery) => Promise<{ next_cursor: string | null } & Record<string, unknown>>,
    key: string,
    limit = 500,
  ): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const page = await fetchPage({ limit, cursor });
      items.push(...((page[key] as T[] | undefined) ?? []));
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
    return items;
  }

  private stream<T>(path: string, options: StreamOptions<T>): RealtimeStream<T> {
    // With a session, each (re)connection sends the token current at that moment, renewed on a 401.
    const fetchImpl: typeof fetch | undefined =
      this.options.session === undefined
        ? this.options.fetch
        : (input, init) => this.fetchWithSession(String(input), init ?? {});
    return new RealtimeStream<T>({ ...options, url: this.url(path), token: this.token, fetch: fetchImpl });
  }
}
