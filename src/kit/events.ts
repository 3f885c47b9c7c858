// Domain events go to the outbox (`events`) in the same transaction as the change that causes them;
// webhook delivery reads them from there. `data` is the object exactly as the API's read schema
// renders it, so a webhook payload and a GET of the same object agree.
import { afterCommit, type Transaction } from './db.js';
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
  const id = newId();
  // JSON round trip: Dates become ISO strings exactly as in an API response.
  const payload = JSON.parse(JSON.stringify({ type, data })) as { type: string; data: unknown };
  await trx.insertInto('events').values({ id, organization_id: organizationId, type, payload, created_at: clock.now() }).execute();
  afterCommit(trx, () => eventsRecorded.raise());
  return id;
}
