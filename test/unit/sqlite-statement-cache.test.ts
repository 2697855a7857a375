import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withStatementCache } from '../../src/platform/db/connect.js';

describe('SQLite statement cache', () => {
  it('gives the same compiled statement back for the same SQL and forgets the least recently used first', () => {
    const connection = new SQLite(':memory:');
    const database = withStatementCache(connection, 2);
    const a = database.prepare('select 1 as x');
    expect(database.prepare('select 1 as x')).toBe(a);
    const b = database.prepare('select 2 as x');
    expect(database.prepare('select 1 as x')).toBe(a); // a is now the most recently used
    database.prepare('select 3 as x'); // evicts b
    expect(database.prepare('select 1 as x')).toBe(a);
    expect(database.prepare('select 2 as x')).not.toBe(b);
    connection.close();
  });

  it('a reused statement runs with its new parameters', () => {
    const connection = new SQLite(':memory:');
    const database = withStatementCache(connection, 10);
    connection.exec('create table t (k integer primary key, v text)');
    const insert = 'insert into t (k, v) values (?, ?)';
    (database.prepare(insert) as SQLite.Statement).run(1, 'one');
    (database.prepare(insert) as SQLite.Statement).run(2, 'two');
    expect((database.prepare('select v from t where k = ?') as SQLite.Statement).get(2)).toEqual({ v: 'two' });
    expect((database.prepare('select v from t where k = ?') as SQLite.Statement).get(1)).toEqual({ v: 'one' });
    connection.close();
  });
});
