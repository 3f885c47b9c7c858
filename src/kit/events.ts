// Domain events go to the outbox (`events`) in the same transaction as the change that causes them;
// webhook delivery reads them from there. As Polar's, an event is kept only when a webhook endpoint
// of its organization takes its type at that moment: there is nobody else to tell, and a billing
// server without webhooks keeps no payloads. `data` is the object exactly as the API's read schema
// renders it, so a webhook payload and a GET of the same object agree.
import { sql } from 'kysely';
import { afterCommit, insertBeforeCommit, setDeferredInsert, type Transaction } from './db.js';
import { Signal } from './poll.js';
import { newId } from './ids.js';
import { clock } from './clock.js';

/** Raised when a transaction that recorded events commits (the webhook dispatcher waits on it). */
export const eventsRecorded = new Signal();

export async function recordEvent(
  trx: Transaction,
  organizationId: string,
  type: string,
  data: unknown,
): Promise<void> {
  await recordEvents(trx, organizationId, [{ type, data }]);
}

/** Several events of one change, in the order given; written with the transaction's other outbox rows, just before it commits. */
export async function recordEvents(trx: Transaction, organizationId: string, events: { type: string; data: unknown }[]): Promise<void> {
  const now = clock.now();
  const rows = events.map(({ type, data }) => ({
    id: newId(),
    organization_id: organizationId,
    type,
    payload: { type, data },
    created_at: now,
  }));
  insertBeforeCommit(trx, 'events', rows);
  afterCommit(trx, () => eventsRecorded.raise());
}

// The rows go as one JSON parameter (Dates become ISO strings exactly as in an API response), and
// only those an endpoint takes are inserted.
setDeferredInsert(
  'events',
  (rows) => sql`
    INSERT INTO events (id, organization_id, type, payload, created_at)
    SELECT e.id, e.organization_id, e.type, e.payload, e.created_at
    FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS e(id uuid, organization_id uuid, type text, payload jsonb, created_at timestamptz)
    WHERE EXISTS (
      SELECT 1 FROM webhook_endpoints w
      WHERE w.organization_id = e.organization_id AND w.deleted_at IS NULL AND e.type = ANY(w.events)
    )`,
);
