// The one way Floe talks to PostgreSQL: a pooled Kysely instance and a transaction helper.
// Services take a `Transaction` (or the database for reads) so a command is one transaction.
import { Kysely, PostgresDialect, type Transaction as KyselyTransaction } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Tables } from '../db/schema/index.js';

// int8 (counts, sums) as numbers: every bigint Floe stores is an amount of cents or a count far
// below 2^53. numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Database = Kysely<Tables>;
export type Transaction = KyselyTransaction<Tables>;
/** Either the database or an open transaction: reads accept both. */
export type Queryable = Database | Transaction;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  close(): Promise<void>;
}

/** Distinct statement texts that get a server-side prepared statement (per connection). */
const PREPARED_STATEMENTS_MAX = 2000;
const statementNames = new Map<string, string>();

/**
 * The name under which a parameterized statement is prepared on each connection, so PostgreSQL
 * plans it once per connection instead of on every execution (planning a list with embedded
 * relations costs as much as running it). Statement texts are Floe's own query shapes, a bounded
 * set; past the cap, further shapes simply run unprepared. PostgreSQL replans a prepared statement
 * when a migration changes its tables, but refuses one whose `SELECT *` row type changed
 * ("cached plan must not change result type"): restart running processes after such a migration.
 */
function statementName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < PREPARED_STATEMENTS_MAX) {
    name = `floe_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    statementNames.set(text, name);
  }
  return name;
}

/** Makes every new client of the pool run parameterized queries as named (prepared) statements. */
function prepareStatements(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) return query(text, values, callback);
      const name = statementName(text);
      return name === undefined ? query(text, values) : query({ text, values, name });
    }) as typeof client.query;
  });
  return pool;
}

export function openDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20 });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: prepareStatements(pool) }) });
  let closed = false;
  return {
    db,
    pool,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

const commitCallbacks = new WeakMap<Transaction, Set<() => void>>();

/** Runs `callback` once the transaction has committed (never if it rolls back). */
export function afterCommit(trx: Transaction, callback: () => void): void {
  commitCallbacks.get(trx)?.add(callback);
}

export async function transaction<T>(db: Database, work: (trx: Transaction) => Promise<T>): Promise<T> {
  const callbacks = new Set<() => void>();
  const result = await db.transaction().execute((trx) => {
    commitCallbacks.set(trx, callbacks);
    return work(trx);
  });
  for (const callback of callbacks) callback();
  return result;
}
