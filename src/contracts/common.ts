import { Type, type TSchema } from '@sinclair/typebox';

/**
 * The canonical 8-4-4-4-12 hex form only. Ajv's `uuid` format alone also accepts a `urn:uuid:` prefix, which
 * would let one identifier be stored under two spellings (and a retried upload be stored twice).
 */
export const UUID_PATTERN = '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$';
export const uuidString = (description = 'UUID') =>
  Type.String({
    format: 'uuid',
    pattern: UUID_PATTERN,
    description,
    examples: ['5b0c2c7e-3a3f-4a51-9d5c-0c8f7d1f2b11'],
  });
export const Uuid = uuidString();
export const IsoDateTime = Type.String({
  format: 'date-time',
  maxLength: 40,
  description: 'ISO 8601 date and time with offset',
});
export const CalendarDate = Type.String({ format: 'date', maxLength: 10, description: 'Calendar date YYYY-MM-DD' });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    instance: Type.Optional(Type.String()),
    request_id: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { $id: 'Problem', description: 'RFC 9457 problem details (application/problem+json)' },
);

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Page size' })),
  cursor: Type.Optional(
    Type.String({ maxLength: 200, pattern: '^[A-Za-z0-9_-]+$', description: 'next_cursor of the previous page' }),
  ),
};

export const NextCursor = Type.Union([Type.String(), Type.Null()], {
  description: 'Pass as `cursor` to get the next page; null on the last page',
});

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Type.Ref('Problem') } },
});

/**
 * Error responses every route documents, merged with its success responses. 503 is always among them: any request
 * may find the server not ready, or (SQLite) its write waiting past SQLITE_BUSY_TIMEOUT_MS; it comes with Retry-After.
 */
export function withProblems<T extends Record<number, TSchema>>(success: T, codes: number[] = [400, 401, 403, 429]) {
  const descriptions: Record<number, string> = {
    400: 'Malformed or invalid input',
    401: 'Invalid bearer token, or none where the route needs one',
    403: 'Authenticated but not allowed',
    404: 'Not found',
    409: 'Conflicts with stored data',
    410: 'Gone (expired)',
    413: 'Body too large',
    415: 'Unsupported media type',
    429: 'Rate limit exceeded',
    503: 'Temporarily unavailable (not ready, or the database busy with other writes; nothing was stored): retry later',
  };
  const problems = Object.fromEntries(
    [...new Set([...codes, 503])].map((code) => [code, problemResponse(descriptions[code] ?? 'Error')]),
  );
  return { ...problems, ...success };
}

export const BearerSecurity = [{ bearer: [] }];
