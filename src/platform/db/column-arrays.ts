import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * PostgreSQL: many rows sent as one array parameter per column and spread back into rows with `unnest`. A
 * statement of N rows then has as many parameters as columns instead of N × columns, so the driver, the query
 * builder and the server's parser each handle a few arrays rather than thousands of values (the writes of a trace
 * were mostly that work). SQLite keeps the builder's multi-row VALUES: it has no arrays, and its statements are
 * prepared in-process.
 */

export type ArrayElementType = 'text' | 'int4' | 'int8' | 'float8' | 'numeric' | 'date';

/** A column's name, its PostgreSQL element type and how to read it off a row. */
export type ArrayColumn<R> = readonly [name: string, type: ArrayElementType, value: (row: R) => unknown];

// biome-ignore lint/suspicious/noExplicitAny: called with the app's Kysely<Database> and with migrations' Kysely<any>
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** `unnest($1::t1[], $2::t2[], …) as alias (c1, c2, …)`: the rows as a relation to select from or join. */
export function unnestRows<R>(
  alias: string,
  columns: ReadonlyArray<ArrayColumn<R>>,
  rows: readonly R[],
): RawBuilder<unknown> {
  const arrays = sql.join(columns.map(([, type, value]) => sql`${rows.map(value)}::${sql.raw(type)}[]`));
  return sql`unnest(${arrays}) as ${sql.id(alias)} (${sql.join(columns.map(([name]) => sql.id(name)))})`;
}

/** `insert into table (c1, c2, …) select … from unnest(…)`; the caller appends an `on conflict` clause if any. */
export function insertRows<R>(
  table: string,
  columns: ReadonlyArray<ArrayColumn<R>>,
  rows: readonly R[],
): RawBuilder<unknown> {
  const names = sql.join(columns.map(([name]) => sql.id(name)));
  return sql`insert into ${sql.table(table)} (${names}) select ${names} from ${unnestRows('r', columns, rows)}`;
}

/** `c1 = excluded.c1, c2 = excluded.c2, …` for an upsert's `do update set`. */
export function setFromExcluded(names: readonly string[]): RawBuilder<unknown> {
  return sql.join(names.map((name) => sql`${sql.id(name)} = excluded.${sql.id(name)}`));
}
