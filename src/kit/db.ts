// The one way Floe talks to PostgreSQL: a pooled Kysely instance and a transaction helper.
// Services take a `Transaction` (or the database for reads) so a command is one transaction.
// A transaction costs the round trips of its statements and no more: its BEGIN goes with its
// first statement, its COMMIT with its last (commitWith, or the rows deferred to its end).
import { Kysely, PostgresDialect, sql, type Compilable, type Insertable, type OperationNodeSource, type QueryCreator, type QueryResult, type RawBuilder, type Transaction as KyselyTransaction } from 'kysely';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { DEFAULT_POOL_SIZE } from '../config.js';
import type { Tables } from '../db/schema/index.js';
import { Notifications } from './listen.js';

// int8 (counts, sums) as numbers: every bigint Floe stores is an amount of cents or a count far
// below 2^53. numeric stays a string.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export type Database = Kysely<Tables>;
export type Transaction = KyselyTransaction<Tables>;
/** Either the database or an open transaction: reads accept both. */
export type Queryable = Database | Transaction;
/** What a write is built on: a transaction, or one carrying its deferred rows (commitWith). */
export type Writer = QueryCreator<Tables>;

export interface DatabaseHandle {
  db: Database;
  pool: pg.Pool;
  /** LISTEN/NOTIFY on a connection of its own, opened on first use. */
  notifications: Notifications;
  close(): Promise<void>;
}

const handles = new WeakMap<Database, DatabaseHandle>();
/** The handle of each transaction opened by transaction(). */
const transactionHandles = new WeakMap<Transaction, DatabaseHandle>();
const databaseStates = new WeakMap<DatabaseHandle, Map<object, unknown>>();

/**
 * What a module keeps for each open database (a cache that follows the database's notifications),
 * made by `create` on first use; undefined for a database not from openDatabase() (or a transaction
 * not opened on one by transaction()).
 */
export function databaseState<T>(db: Queryable, key: object, create: (handle: DatabaseHandle) => T): T | undefined {
  const handle = transactionHandles.get(db as Transaction) ?? handles.get(db as Database);
  if (!handle) return undefined;
  let states = databaseStates.get(handle);
  if (!states) databaseStates.set(handle, (states = new Map()));
  if (!states.has(key)) states.set(key, create(handle));
  return states.get(key) as T;
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

/** What pg's Query does with the extended protocol, beyond its public types. */
interface ExtendedQuery {
  prepare(connection: PgConnection): void;
  handleError(error: Error, connection: PgConnection): void;
  _getRows(connection: PgConnection, rows?: number): void;
  handleCommandComplete(message: unknown, connection: PgConnection): void;
}
interface PgConnection {
  parse(query: { text: string }): void;
  bind(config: object): void;
  execute(config: object): void;
}

/** Ends the text of a transaction's last statement (see commitWith): it carries the COMMIT. */
const COMMIT_MARKER = ' /* floe: then commit */';

/**
 * A statement sent in one write with the BEGIN of its transaction before it, or its COMMIT after
 * it, or both: all in the extended protocol with a single Sync, so PostgreSQL answers them at once
 * and the transaction's edges cost no round trip of their own. An error in the statement leaves
 * the transaction failed (PostgreSQL skips the COMMIT), as it would have alone.
 */
class PipelinedStatement extends pg.Query {
  /** Command completions still to come before the statement's own (the BEGIN's). */
  private beforeOwn: number;
  private ownCompleted = false;
  private statementName: string | undefined;
  private prepared = false;

  constructor(
    text: string,
    values: unknown[],
    callback: (error: Error | undefined, result: unknown) => void,
    private readonly edges: { begin: boolean; commit: boolean },
  ) {
    super(text, values, callback);
    this.beforeOwn = edges.begin ? 1 : 0;
  }

  /**
   * The prepared statement's name, as pg reads it, but for the BEGIN's answers: pg takes the name
   * of the query whose parse completed to be prepared, and the BEGIN's parse is not the statement's.
   */
  get name(): string | undefined {
    return this.prepared && this.beforeOwn > 0 ? undefined : this.statementName;
  }

  set name(name: string | undefined) {
    this.statementName = name;
  }

  prepare(connection: PgConnection): void {
    if (this.edges.begin) sendUnnamed(connection, 'BEGIN');
    (pg.Query.prototype as unknown as ExtendedQuery).prepare.call(this, connection);
    this.prepared = true;
  }

  handleError(error: Error, connection: PgConnection & { submittedNamedStatements: Record<string, string> }): void {
    // Failed before its own parse was even tried: pg, not told the name, still counts it as submitted.
    if (this.beforeOwn > 0 && this.statementName) delete connection.submittedNamedStatements[this.statementName];
    (pg.Query.prototype as unknown as ExtendedQuery).handleError.call(this, error, connection);
  }

  /** pg's own sends Execute then Sync; the COMMIT goes between them. */
  _getRows(connection: PgConnection & { sync(): void }, rows?: number): void {
    if (!this.edges.commit) return (pg.Query.prototype as unknown as ExtendedQuery)._getRows.call(this, connection, rows);
    connection.execute({ portal: (this as unknown as { portal: string }).portal, rows });
    sendUnnamed(connection, 'COMMIT');
    connection.sync();
  }

  handleCommandComplete(message: unknown, connection: PgConnection): void {
    if (this.beforeOwn > 0) {
      this.beforeOwn -= 1;
      return;
    }
    // After the statement's own, the COMMIT's: not a result of the statement.
    if (this.ownCompleted) return;
    this.ownCompleted = true;
    (pg.Query.prototype as unknown as ExtendedQuery).handleCommandComplete.call(this, message, connection);
  }
}

function sendUnnamed(connection: PgConnection, text: string): void {
  connection.parse({ text });
  connection.bind({});
  connection.execute({});
}

const NO_ROWS = { command: '', rowCount: 0, rows: [], fields: [] };

/**
 * Makes every new client of the pool run parameterized queries as named (prepared) statements,
 * hold a transaction's BEGIN back until its first statement, which carries it, and let a
 * transaction's last statement carry its COMMIT (commitWith).
 */
function prepareStatements(pool: pg.Pool): pg.Pool {
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let beginHeld = false;
    let committed = false;
    client.query = ((text: unknown, values?: unknown, callback?: unknown) => {
      const plain = typeof text === 'string' && (values === undefined || (Array.isArray(values) && values.length === 0)) && callback === undefined;
      if (plain && text === 'begin' && !beginHeld) {
        beginHeld = true;
        committed = false;
        return Promise.resolve({ ...NO_ROWS, command: 'BEGIN' });
      }
      const afterBegin = beginHeld;
      beginHeld = false;
      // A transaction that ran nothing has nothing to end, nor one whose last statement committed it.
      if ((afterBegin || committed) && plain && (text === 'commit' || text === 'rollback')) {
        committed = false;
        return Promise.resolve({ ...NO_ROWS, command: text.toUpperCase() });
      }
      if (committed) return Promise.reject(new Error('the transaction has committed (commitWith): nothing runs in it after its last statement'));
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
        return afterBegin ? query('begin').then(() => query(text, values, callback)) : query(text, values, callback);
      }
      const name = statementName(text);
      const commit = text.endsWith(COMMIT_MARKER);
      // A query made from the text (and named after): given a config object instead, pg copies it
      // property by property on every call, which costs more than a short statement's own work.
      return new Promise((resolve, reject) => {
        const done = (error: Error | undefined, result: unknown) => {
          if (error) return reject(error);
          if (commit) committed = true;
          resolve(result);
        };
        const statement = afterBegin || commit ? new PipelinedStatement(text, values, done, { begin: afterBegin, commit }) : new pg.Query(text, values, done);
        if (name !== undefined) (statement as { name?: string }).name = name;
        query(statement);
      });
    }) as typeof client.query;
  });
  return pool;
}

export function openDatabase(url: string, options: { max?: number } = {}): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? DEFAULT_POOL_SIZE });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  // Nor one checked out (the pool listens only to idle ones): pg hands a lost connection's error
  // to the client's queries as well (answered 503, see kit/http.ts), and the pool drops the client
  // on its release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: prepareStatements(pool) }) });
  const notifications = new Notifications(url);
  let closed = false;
  const handle: DatabaseHandle = {
    db,
    pool,
    notifications,
    async close() {
      if (closed) return;
      closed = true;
      await notifications.close();
      await db.destroy();
    },
  };
  handles.set(db, handle);
  return handle;
}

const commitCallbacks = new WeakMap<Transaction, Set<() => void>>();

/** Runs `callback` once the transaction has committed (never if it rolls back). */
export function afterCommit(trx: Transaction, callback: () => void): void {
  commitCallbacks.get(trx)?.add(callback);
}

type DeferredRows = Map<keyof Tables & string, Record<string, unknown>[]>;
const deferredInserts = new WeakMap<Transaction, DeferredRows>();

/**
 * Inserts `rows` with the transaction's last statement, together with all other rows deferred so:
 * in a statement of their own that carries the COMMIT, or in the change's last write (see
 * commitWith). The rows a change only adds (its events, its jobs, a session token) then cost no
 * round trip. Only for rows nothing in the transaction reads back.
 */
export function insertBeforeCommit<T extends keyof Tables & string>(trx: Transaction, table: T, rows: Insertable<Tables[T]>[]): void {
  const deferred = deferredInserts.get(trx);
  if (!deferred) throw new Error('insertBeforeCommit needs a transaction opened by transaction()');
  if (committedTransactions.has(trx)) throw new Error('the transaction has committed (commitWith): rows deferred after its last statement would be lost');
  const pending = deferred.get(table) ?? [];
  for (const row of rows) pending.push(row as Record<string, unknown>);
  deferred.set(table, pending);
}

/** Rows per statement, well under PostgreSQL's 65,535 parameters (past it, slices go before the COMMIT). */
const DEFERRED_ROWS_PER_STATEMENT = 1000;

type InsertStatement = (rows: Record<string, unknown>[]) => RawBuilder<unknown>;
const insertStatements = new Map<string, InsertStatement>();

/**
 * How the deferred rows of `table` are inserted, for a table that keeps only some of them (a plain
 * INSERT … VALUES of every row otherwise). The statement gets the rows of one slice.
 */
export function setDeferredInsert(table: keyof Tables & string, statement: InsertStatement): void {
  insertStatements.set(table, statement);
}

// The tables are known only at run time, beyond what Kysely's types can follow.
type Insert = OperationNodeSource & { execute(): Promise<unknown> };
type Builder = { with(name: string, query: () => OperationNodeSource): Builder; selectNoFrom(selection: unknown): Insert & Compilable<unknown>; insertInto(table: string): { values(rows: unknown[]): Insert } };

function insertOf(trx: Transaction, table: string, rows: Record<string, unknown>[]): { cte: OperationNodeSource; execute(): Promise<unknown> } {
  const statement = insertStatements.get(table);
  if (!statement) {
    const insert = (trx as unknown as Builder).insertInto(table).values(rows);
    return { cte: insert, execute: () => insert.execute() };
  }
  const raw = statement(rows);
  return { cte: sql`(${raw})`, execute: () => raw.execute(trx) };
}

/**
 * Takes the rows deferred so far: answers their inserts as data-modifying CTEs for one statement,
 * or, past DEFERRED_ROWS_PER_STATEMENT rows, inserts them a slice of a table at a time and answers
 * none.
 */
async function takeDeferred(trx: Transaction): Promise<{ cte: OperationNodeSource; execute(): Promise<unknown> }[]> {
  const deferred = deferredInserts.get(trx);
  if (!deferred) throw new Error('deferred rows need a transaction opened by transaction()');
  const tables = [...deferred.entries()];
  deferred.clear();
  const total = tables.reduce((count, [, rows]) => count + rows.length, 0);
  if (total <= DEFERRED_ROWS_PER_STATEMENT) return tables.map(([table, rows]) => insertOf(trx, table, rows));
  for (const [table, rows] of tables) {
    for (let start = 0; start < rows.length; start += DEFERRED_ROWS_PER_STATEMENT) {
      await insertOf(trx, table, rows.slice(start, start + DEFERRED_ROWS_PER_STATEMENT)).execute();
    }
  }
  return [];
}

function withInserts(trx: Transaction, inserts: { cte: OperationNodeSource }[]): Builder {
  return inserts.reduce((query, insert, index) => query.with(`deferred_${index}`, () => insert.cte), trx as unknown as Builder);
}

const committedTransactions = new WeakSet<Transaction>();

/**
 * Runs the transaction's last statement, built on a writer that carries the rows deferred so far
 * (each table's insert a data-modifying CTE), and the COMMIT with it: the change's end then costs
 * no round trip of its own. The transaction is over once it answers: nothing runs or is deferred
 * in it afterwards, so a change records what it records (its events) before.
 */
export async function commitWith<R>(trx: Transaction, build: (writer: Writer) => Compilable<R>): Promise<QueryResult<R>> {
  return executeThenCommit(trx, build(withInserts(trx, await takeDeferred(trx)) as unknown as Writer));
}

async function executeThenCommit<R>(trx: Transaction, statement: Compilable<R>): Promise<QueryResult<R>> {
  const compiled = statement.compile();
  const result = await trx.executeQuery<R>({ ...compiled, sql: compiled.sql + COMMIT_MARKER });
  committedTransactions.add(trx);
  return result;
}

/** The rows still deferred when the work is done: one statement for all of them, which commits. */
async function insertDeferred(trx: Transaction): Promise<void> {
  const inserts = await takeDeferred(trx);
  if (inserts.length > 0) await executeThenCommit(trx, withInserts(trx, inserts).selectNoFrom(sql<number>`1`.as('inserted')));
}

export async function transaction<T>(db: Database, work: (trx: Transaction) => Promise<T>): Promise<T> {
  const callbacks = new Set<() => void>();
  const result = await db.transaction().execute(async (trx) => {
    const deferred: DeferredRows = new Map();
    commitCallbacks.set(trx, callbacks);
    deferredInserts.set(trx, deferred);
    const handle = handles.get(db);
    if (handle) transactionHandles.set(trx, handle);
    const value = await work(trx);
    if (!committedTransactions.has(trx)) await insertDeferred(trx);
    return value;
  });
  for (const callback of callbacks) callback();
  return result;
}
