// Domain events go to the outbox (`events`) in the same transaction as the change that causes them;
// webhook delivery reads them from there. As Polar's, an event is kept only when a webhook endpoint
// of its organization takes its type at that moment: there is nobody else to tell, and a billing
// server without webhooks keeps no payloads. `data` is the object exactly as the API's read schema
// renders it, so a webhook payload and a GET of the same object agree; it is rendered only for an
// event some endpoint takes (most events of most organizations go nowhere).
import { sql } from 'kysely';
import { afterCommit, databaseState, insertBeforeCommit, setDeferredInsert, type DatabaseHandle, type Queryable, type Transaction } from './db.js';
import { Signal } from './poll.js';
import { newId } from './ids.js';
import { clock } from './clock.js';

/** Raised when a transaction that recorded events commits (the webhook dispatcher waits on it). */
export const eventsRecorded = new Signal();

/** An event's `data`, rendered only if the event is kept. */
export type EventData = () => unknown;

export async function recordEvent(trx: Transaction, organizationId: string, type: string, data: EventData): Promise<void> {
  await recordEvents(trx, organizationId, [{ type, data }]);
}

/** Several events of one change, in the order given; written with the transaction's other outbox rows, just before it commits. */
export async function recordEvents(trx: Transaction, organizationId: string, events: { type: string; data: EventData }[]): Promise<void> {
  const taken = await takenTypes(trx, organizationId);
  const kept = events.filter(({ type }) => taken.has(type));
  if (kept.length === 0) return;
  const now = clock.now();
  const rows = [];
  for (const { type, data } of kept) {
    rows.push({ id: newId(), organization_id: organizationId, type, payload: { type, data: await data() }, created_at: now });
  }
  insertBeforeCommit(trx, 'events', rows);
  afterCommit(trx, () => eventsRecorded.raise());
}

// The rows go as one JSON parameter (Dates become ISO strings exactly as in an API response), and
// only those an endpoint still takes are inserted: the types known to this process may be a moment
// old (see EndpointTypes).
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

/** Announced by a trigger (migration 0083) whenever an organization's webhook endpoints change. */
const ENDPOINTS_CHANNEL = 'floe_webhook_endpoints';
/** Organizations whose types are kept at most, per database. */
const ORGANIZATIONS_KEPT = 10_000;

/**
 * The event types each organization's live webhook endpoints take, kept per process so that an
 * event nobody takes costs no query. A change of endpoints, committed by any process, is announced
 * on ENDPOINTS_CHANNEL and forgets that organization; the process that made it forgets at once, on
 * commit. While the announcements are not being listened to (before the first, after a lost
 * connection) nothing is kept and every question is a query.
 */
class EndpointTypes {
  private readonly byOrganization = new Map<string, ReadonlySet<string>>();
  /** Bumped by every forgetting: a query that began before one must not be kept. */
  private generation = 0;

  constructor(private readonly handle: DatabaseHandle) {
    handle.notifications.follow(ENDPOINTS_CHANNEL, {
      notify: (organizationId) => this.forget(organizationId),
      resync: () => this.forget(),
      lost: () => this.forget(),
    });
  }

  async of(db: Queryable, organizationId: string): Promise<ReadonlySet<string>> {
    const known = this.byOrganization.get(organizationId);
    if (known) return known;
    const listening = this.handle.notifications.isListening(ENDPOINTS_CHANNEL);
    if (!listening) this.handle.notifications.ready().catch(() => {});
    const generation = this.generation;
    const types = await queryTypes(db, organizationId);
    if (listening && generation === this.generation) {
      if (this.byOrganization.size >= ORGANIZATIONS_KEPT) this.byOrganization.clear();
      this.byOrganization.set(organizationId, types);
    }
    return types;
  }

  forget(organizationId?: string): void {
    this.generation += 1;
    if (organizationId === undefined) this.byOrganization.clear();
    else this.byOrganization.delete(organizationId);
  }
}

async function queryTypes(db: Queryable, organizationId: string): Promise<ReadonlySet<string>> {
  const { rows } = await sql<{ type: string }>`
    SELECT DISTINCT unnest(events) AS type FROM webhook_endpoints WHERE organization_id = ${organizationId} AND deleted_at IS NULL`.execute(db);
  return new Set(rows.map((row) => row.type));
}

const endpointTypesKey = {};

function endpointTypesOf(trx: Transaction): EndpointTypes | undefined {
  return databaseState(trx, endpointTypesKey, (handle) => new EndpointTypes(handle));
}

function takenTypes(trx: Transaction, organizationId: string): Promise<ReadonlySet<string>> {
  return endpointTypesOf(trx)?.of(trx, organizationId) ?? queryTypes(trx, organizationId);
}

/** For the webhook endpoint service: once `trx` commits, this process knows the organization's endpoints changed. */
export function endpointsChanged(trx: Transaction, organizationId: string): void {
  const endpointTypes = endpointTypesOf(trx);
  afterCommit(trx, () => endpointTypes?.forget(organizationId));
}
