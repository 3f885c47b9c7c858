// Domain events go to the outbox (`events`) in the same transaction as the change that causes them;
// webhook delivery reads them from there. `data` is the object exactly as the API's read schema
// renders it, so a webhook payload and a GET of the same object agree.
import { afterCommit, insertBeforeCommit, type Transaction } from './db.js';
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
): Promise<string> {
  const [id] = await recordEvents(trx, organizationId, [{ type, data }]);
  return id!;
}

/** Several events of one change, in the order given; written with the transaction's other outbox rows, just before it commits. */
export async function recordEvents(trx: Transaction, organizationId: string, events: { type: string; data: unknown }[]): Promise<string[]> {
  const now = clock.now();
  const rows = events.map(({ type, data }) => ({
    id: newId(),
    organization_id: organizationId,
    type,
    // Sent as JSON text: Dates become ISO strings exactly as in an API response.
    payload: JSON.stringify({ type, data }),
    created_at: now,
  }));
  insertBeforeCommit(trx, 'events', rows);
  afterCommit(trx, () => eventsRecorded.raise());
  return rows.map((row) => row.id);
}
