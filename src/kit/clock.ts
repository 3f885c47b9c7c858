// The one clock. Everything that asks "what time is it" asks here, so tests (and the test-mode API)
// can move time forward to run renewals and expiries without waiting.
//
// `clock.now()` is the process's time (the real time, moved by tests). An organization's time is
// that plus its test clock's offset (test mode, table test_clocks): what an organization's billing
// is stamped with and falls due by. An organization without a test clock is on the real time, and
// asking costs nothing once its offset is known: each process keeps the offsets it has read, told
// of every change by PostgreSQL (migration 0084).
import { sql } from 'kysely';
import { afterCommit, databaseState, type Queryable, type Transaction } from './db.js';
import { NotifiedCache } from './listen.js';

let offsetMs = 0;

export const clock = {
  now(): Date {
    return new Date(Date.now() + offsetMs);
  },
  advance(ms: number): void {
    offsetMs += ms;
  },
  reset(): void {
    offsetMs = 0;
  },
};

const CLOCKS_CHANNEL = 'floe_test_clocks';
const offsetsKey = {};

function readOffset(db: Queryable, organizationId: string): Promise<number> {
  return db
    .selectFrom('test_clocks')
    .select('offset_ms')
    .where('organization_id', '=', organizationId)
    .executeTakeFirst()
    .then((row) => row?.offset_ms ?? 0);
}

/** How far the organization's test clock is ahead of the real time, in ms (0 without one). */
function offsetsOf(db: Queryable): NotifiedCache<number> | undefined {
  return databaseState(db, offsetsKey, (handle) => new NotifiedCache<number>(handle.notifications, CLOCKS_CHANNEL));
}

export function organizationOffset(db: Queryable, organizationId: string): Promise<number> {
  return offsetsOf(db)?.get(organizationId, (id) => readOffset(db, id)) ?? readOffset(db, organizationId);
}

/** The organization's time: the process's, moved by its test clock. */
export async function organizationNow(db: Queryable, organizationId: string): Promise<Date> {
  return new Date(clock.now().getTime() + (await organizationOffset(db, organizationId)));
}

/** Test clocks ahead of the real time, with their offsets (the sweeps also run what falls due by them). */
export function advancedClocks(db: Queryable): Promise<{ organization_id: string; offset_ms: number }[]> {
  return db.selectFrom('test_clocks').select(['organization_id', 'offset_ms']).where('offset_ms', '>', 0).execute();
}

/**
 * Locks the organization's test clock until `trx` ends (one advance at a time) and answers its
 * offset; a clock is made at offset 0 when the organization has none.
 */
export async function lockOrganizationClock(trx: Transaction, organizationId: string): Promise<number> {
  await sql`INSERT INTO test_clocks (organization_id, offset_ms, modified_at) VALUES (${organizationId}, 0, ${clock.now()}) ON CONFLICT DO NOTHING`.execute(trx);
  const row = await trx.selectFrom('test_clocks').select('offset_ms').where('organization_id', '=', organizationId).forUpdate().executeTakeFirstOrThrow();
  return row.offset_ms;
}

export async function setOrganizationOffset(trx: Transaction, organizationId: string, offset: number): Promise<void> {
  await trx.updateTable('test_clocks').set({ offset_ms: offset, modified_at: clock.now() }).where('organization_id', '=', organizationId).execute();
  // This process knows at once, on commit; the others when PostgreSQL tells them.
  const offsets = offsetsOf(trx);
  afterCommit(trx, () => offsets?.forget(organizationId));
}
