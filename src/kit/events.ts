// Domain events go to the outbox (`events`) in the same transaction as the change that causes them;
// webhook delivery reads them from there. As Polar's, an event is kept only when a webhook endpoint
// of its organization takes its type at that moment: there is nobody else to tell, and a billing
// server without webhooks keeps no payloads. `data` is the object exactly as the API's read schema
// renders it, so a webhook payload and a GET of the same object agree; it is rendered only for an
// event some endpoint takes (most events of most organizations go nowhere).
import { sql } from 'kysely';
import { afterCommit, databaseState, insertBeforeCommit, setDeferredInsert, type Queryable, type Transaction } from './db.js';
import { NotifiedCache } from './listen.js';
import { Signal } from './poll.js';
import { newId } from './ids.js';
import { clock } from './clock.js';

/** Raised when a transaction that recorded events commits (the webhook dispatcher waits on it). */
export const eventsRecorded = new Signal();

/** An event's `data`, rendered only if the event is kept. */
export type EventData = () => unknown;

export interface RecordOptions {
  /** When it happened, if not now: billing carried out for an instant of an organization's test clock. */
  at?: Date;
}

export async function recordEvent(trx: Transaction, organizationId: string, type: string, data: EventData, options: RecordOptions = {}): Promise<void> {
  await recordEvents(trx, organizationId, [{ type, data }], options);
}

/**
 * Several events of one change, in the order given (delivered in that order too, even at the same
 * instant: see `sequence`); written with the transaction's other outbox rows, just before it commits.
 */
export async function recordEvents(trx: Transaction, organizationId: string, events: { type: string; data: EventData }[], options: RecordOptions = {}): Promise<void> {
  const taken = await takenTypes(trx, organizationId);
  const kept = events.filter(({ type }) => taken.has(type));
  if (kept.length === 0) return;
  const now = options.at ?? clock.now();
  const rows = [];
  for (const { type, data } of kept) {
    rows.push({ id: newId(), organization_id: organizationId, type, payload: { type, data: await data() }, created_at: now });
  }
  insertBeforeCommit(trx, 'events', rows);
  afterCommit(trx, () => eventsRecorded.raise());
}

// The rows go as one JSON parameter (Dates become ISO strings exactly as in an API response), in
// the order recorded (their `sequence` follows it), and
// only those an endpoint still takes are inserted: the types known to this process may be a moment
// old (see endpointTypesOf).
setDeferredInsert(
  'events',
  (rows) => sql`
    INSERT INTO events (id, organization_id, type, payload, created_at)
    SELECT e.id, e.organization_id, e.type, e.payload, e.created_at
    FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS (id uuid, organization_id uuid, type text, payload jsonb, created_at timestamptz))
      WITH ORDINALITY AS e(id, organization_id, type, payload, created_at, position)
    WHERE EXISTS (
      SELECT 1 FROM webhook_endpoints w
      WHERE w.organization_id = e.organization_id AND w.deleted_at IS NULL AND e.type = ANY(w.events)
    )
    ORDER BY e.position`,
);

/** Announced by a trigger (migration 0083) whenever an organization's webhook endpoints change. */
const ENDPOINTS_CHANNEL = 'floe_webhook_endpoints';

async function queryTypes(db: Queryable, organizationId: string): Promise<ReadonlySet<string>> {
  const { rows } = await sql<{ type: string }>`
    SELECT DISTINCT unnest(events) AS type FROM webhook_endpoints WHERE organization_id = ${organizationId} AND deleted_at IS NULL`.execute(db);
  return new Set(rows.map((row) => row.type));
}

const endpointTypesKey = {};

/**
 * The event types each organization's live webhook endpoints take, kept per process so that an
 * event nobody takes costs no query; the process that changes endpoints forgets at once, on commit.
 */
function endpointTypesOf(trx: Transaction): NotifiedCache<ReadonlySet<string>> | undefined {
  return databaseState(trx, endpointTypesKey, (handle) => new NotifiedCache(handle.notifications, ENDPOINTS_CHANNEL));
}

function takenTypes(trx: Transaction, organizationId: string): Promise<ReadonlySet<string>> {
  // Read in the transaction, which sees its own uncommitted endpoints.
  return endpointTypesOf(trx)?.get(organizationId, (id) => queryTypes(trx, id)) ?? queryTypes(trx, organizationId);
}

/** For the webhook endpoint service: once `trx` commits, this process knows the organization's endpoints changed. */
export function endpointsChanged(trx: Transaction, organizationId: string): void {
  const endpointTypes = endpointTypesOf(trx);
  afterCommit(trx, () => endpointTypes?.forget(organizationId));
}
