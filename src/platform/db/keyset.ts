/** Opaque keyset-pagination cursors: the sort key of the last row of a page. */
export interface Keyset {
  readonly at: number;
  readonly id: string;
}

export function encodeCursor(keyset: Keyset): string {
  return Buffer.from(JSON.stringify([keyset.at, keyset.id]), 'utf8').toString('base64url');
}

/** Returns null for anything that is not a cursor this server produced. */
export function decodeCursor(cursor: string): Keyset | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      Number.isSafeInteger(value[0]) &&
      typeof value[1] === 'string' &&
      value[1].length <= 64
    ) {
      return { at: value[0] as number, id: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

/** Fetch one row more than the page size to know whether there is a next page. */
export function pageOf<T>(
  rows: T[],
  limit: number,
  keysetOf: (row: T) => Keyset,
): { items: T[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  return { items, nextCursor: encodeCursor(keysetOf(items[items.length - 1]!)) };
}
