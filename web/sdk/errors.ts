import type { Static } from '@sinclair/typebox';
import type { Problem } from '../../src/contracts/common.js';

/** An RFC 9457 problem body as the server sends it (`application/problem+json`). */
export type ProblemBody = Static<typeof Problem>;

/**
 * The server answered with an error status; `problem` is its problem+json body (or one made up from the status when the
 * body was not one).
 */
export class EpitraceApiError extends Error {
  override readonly name = 'EpitraceApiError';

  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly problem: ProblemBody,
    /** Seconds to wait before trying again, from Retry-After (429, 503); undefined when the server sent none. */
    readonly retryAfter?: number,
  ) {
    super(`${method} ${url}: ${status} ${problem.detail}`);
  }

  /** Validation failures (400) list each bad field here. */
  get errors(): ProblemBody['errors'] {
    return this.problem.errors;
  }
}

/** Builds the error of a non-2xx response, reading its problem body when there is one. */
export async function apiErrorOf(method: string, url: string, response: Response): Promise<EpitraceApiError> {
  const text = await response.text().catch(() => '');
  let problem: ProblemBody | undefined;
  try {
    const parsed = JSON.parse(text) as Partial<ProblemBody>;
    if (parsed && typeof parsed === 'object' && typeof parsed.detail === 'string') {
      problem = { type: 'about:blank', title: response.statusText, status: response.status, ...parsed } as ProblemBody;
    }
  } catch {
    // not JSON: described below
  }
  problem ??= {
    type: 'about:blank',
    title: response.statusText || `HTTP ${response.status}`,
    status: response.status,
    detail: text.slice(0, 500) || `HTTP ${response.status}`,
  };
  const retryAfter = Number.parseInt(response.headers.get('retry-after') ?? '', 10);
  return new EpitraceApiError(
    method,
    url,
    response.status,
    problem,
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
  );
}

/** The server refused the caller's credentials (401): no token, a bad or expired one, or an ended session. */
export function isUnauthorized(error: unknown): error is EpitraceApiError {
  return error instanceof EpitraceApiError && error.status === 401;
}
