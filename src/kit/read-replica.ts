// Reads that may lag (lists, metrics, the portal's lists) served by a streaming replica
// (DATABASE_READ_URL); every other statement stays on the primary.
//
// `readDb` is one Kysely instance whose pool picks, at each connection, the replica or the primary:
// - the replica only while it is known to have replayed everything the primary had committed a
//   short while ago (MAX_LAG_MS): every CHECK_INTERVAL_MS at most (and only while reads come), the
//   primary's WAL position is read, then the replica's replay position; once the replica has
//   replayed past a position, every commit made before that position was read is visible there;
// - read-your-writes: after a caller (a user, an organization, a customer) made any write request,
//   its reads go to the primary until a check proves the replica has replayed past that write.
//   The caller's last write is kept in this process only: a caller whose write was answered by
//   another Floe process behind the same load balancer may, for at most MAX_LAG_MS, read a list
//   from a replica that has not replayed it yet (route a caller to one process, e.g. sticky
//   sessions, where that matters);
// - a replica that cannot be reached, or lags past MAX_LAG_MS (replay paused or behind), is left
//   for the primary until a check finds it current again.
import { AsyncLocalStorage } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';
import type { FastifyRequest } from 'fastify';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type pg from 'pg';
import type { Tables } from '../db/schema/index.js';
import type { Subject } from './auth.js';
import type { Database, DatabaseHandle } from './db.js';
import type { App } from './http.js';

/** How old the newest position the replica is known to have replayed may be for it to serve reads. */
export const MAX_LAG_MS = 5000;
/** How often (at most) the replica's position is checked while reads come. */
export const CHECK_INTERVAL_MS = 250;
/** How long a check may take before the replica counts as unreachable. */
const CHECK_TIMEOUT_MS = 1000;
/** Primary positions waiting for the replica to replay them (one per check; the oldest dropped past it). */
const PENDING_MARKS_MAX = 64;

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The request being answered, for the pool to know its caller when a read asks for a connection. */
const currentRequest = new AsyncLocalStorage<FastifyRequest>();

/** Who a caller is, across its tokens and sessions (a user's dashboard session and its personal tokens are one). */
function callerOf(subject: Subject | undefined): string | undefined {
  switch (subject?.kind) {
    case 'user':
      return `user:${subject.userId}`;
    case 'organization':
      return `organization:${subject.organizationId}`;
    case 'customer':
      return `customer:${subject.customerId}`;
    default:
      return undefined;
  }
}

/** A WAL position ("16/B374D848") as a number that orders as the positions do. */
function parseLsn(text: string): bigint {
  const [high = '0', low = '0'] = text.split('/');
  return (BigInt(`0x${high}`) << 32n) | BigInt(`0x${low}`);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface ReadReplica {
  /** The database for reads that may lag. */
  readDb: Database;
  /** Notes a write of the caller, answered now: its reads go to the primary until the replica has it. */
  noteWrite(subject: Subject | undefined): void;
}

export function openReadReplica(primary: DatabaseHandle, replica: DatabaseHandle): ReadReplica {
  /** Time (performance.now()) before which every commit of the primary is on the replica (-Infinity: none known). */
  let caughtUpTo = -Infinity;
  let lastCheck = -Infinity;
  let checking: Promise<void> | undefined;
  const pending: { at: number; lsn: bigint }[] = [];
  /** Each caller's last write request (performance.now() when it was answered), while newer than caughtUpTo. */
  const lastWrites = new Map<string, number>();

  async function runCheck(): Promise<void> {
    lastCheck = performance.now();
    try {
      const at = performance.now();
      // Read after `at`: covers every commit made before it.
      const { rows: primaryRows } = await sql<{ lsn: string }>`SELECT pg_current_wal_lsn()::text AS lsn`.execute(primary.db);
      pending.push({ at, lsn: parseLsn(primaryRows[0]!.lsn) });
      if (pending.length > PENDING_MARKS_MAX) pending.shift();
      const { rows } = await withTimeout(sql<{ lsn: string | null }>`SELECT pg_last_wal_replay_lsn()::text AS lsn`.execute(replica.db), CHECK_TIMEOUT_MS);
      // NULL: not a standby (a promoted one, or the primary itself), whose data are its own and current.
      const replayed = rows[0]?.lsn == null ? undefined : parseLsn(rows[0].lsn);
      while (pending.length > 0 && (replayed === undefined || pending[0]!.lsn <= replayed)) caughtUpTo = pending.shift()!.at;
      for (const [caller, wroteAt] of lastWrites) if (wroteAt < caughtUpTo) lastWrites.delete(caller);
    } catch {
      // Unreachable or failing: reads go to the primary until a check succeeds.
      caughtUpTo = -Infinity;
    }
  }

  /** Whether a read of this caller, now, is the replica's; starts a check when the last is old. */
  function servesReplica(subject: Subject | undefined): boolean {
    const now = performance.now();
    if (now - lastCheck >= CHECK_INTERVAL_MS) checking ??= runCheck().finally(() => (checking = undefined));
    if (now - caughtUpTo > MAX_LAG_MS) return false;
    const caller = callerOf(subject);
    const wroteAt = caller === undefined ? undefined : lastWrites.get(caller);
    return wroteAt === undefined || wroteAt < caughtUpTo;
  }

  // The pool Kysely sees: each connection from the replica's pool or the primary's, as the request
  // being answered may be served (the connections keep the statements each pool prepares).
  const routingPool = {
    async connect(): Promise<pg.PoolClient> {
      if (!servesReplica(currentRequest.getStore()?.subject)) return primary.pool.connect();
      try {
        return await replica.pool.connect();
      } catch {
        caughtUpTo = -Infinity;
        return primary.pool.connect();
      }
    },
    // The pools are the handles' to close.
    async end(): Promise<void> {},
  };
  const readDb = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: routingPool }) });

  return {
    readDb,
    noteWrite(subject) {
      const caller = callerOf(subject);
      if (caller !== undefined) lastWrites.set(caller, performance.now());
    },
  };
}

/**
 * Lets the replica's pool know each request's caller, and notes every write request as its
 * caller's write when it is answered (before its caller can read the answer). Any method but
 * GET/HEAD/OPTIONS counts, whatever its status: a refused write costs its caller reads from the
 * primary for a moment, while a write that committed and then answered an error must not be missed.
 */
export function registerReadYourWrites(app: App, replica: ReadReplica): void {
  app.addHook('onRequest', (request, _reply, done) => currentRequest.run(request, done));
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (!SAFE_METHODS.has(request.method)) replica.noteWrite(request.subject);
    done(null, payload);
  });
}
