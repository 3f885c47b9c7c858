// The only place the webhook tables (and the outbox's dispatch mark) are read or written.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { WebhookDeliveryRow, WebhookEndpointRow, WebhookEventRow } from '../../db/schema/webhook.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

function visibleEndpoints(db: Queryable, subject: MerchantSubject) {
  return db.selectFrom('webhook_endpoints').selectAll().where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'webhook_endpoints.organization_id'));
}

export function findVisibleEndpoint(db: Queryable, subject: MerchantSubject, id: string): Promise<WebhookEndpointRow | undefined> {
  return visibleEndpoints(db, subject).where('id', '=', id).executeTakeFirst();
}

export function listVisibleEndpoints(db: Queryable, subject: MerchantSubject, organizationId: string | undefined, page: PageRequest) {
  let query = visibleEndpoints(db, subject);
  if (organizationId) query = query.where('organization_id', '=', organizationId);
  return paginate(query.orderBy('created_at', 'desc').orderBy('id'), page);
}

export async function insertEndpoint(trx: Transaction, values: Insertable<Tables['webhook_endpoints']>): Promise<WebhookEndpointRow> {
  return trx.insertInto('webhook_endpoints').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function updateEndpoint(trx: Transaction, id: string, values: Updateable<Tables['webhook_endpoints']>): Promise<WebhookEndpointRow> {
  return trx.updateTable('webhook_endpoints').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

export interface LoadedDelivery extends WebhookDeliveryRow {
  webhook_event: WebhookEventRow;
}

export function listVisibleDeliveries(db: Queryable, subject: MerchantSubject, endpointId: string | undefined, page: PageRequest) {
  let query = db
    .selectFrom('webhook_deliveries')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries')
    .select(sql<WebhookEventRow>`(SELECT row_to_json(we) FROM webhook_events we WHERE we.id = webhook_deliveries.webhook_event_id)`.as('webhook_event'))
    .where(isVisibleOrganization(subject, 'webhook_endpoints.organization_id'));
  if (endpointId) query = query.where('webhook_deliveries.endpoint_id', '=', endpointId);
  return paginate(query.orderBy('webhook_deliveries.created_at', 'desc').orderBy('webhook_deliveries.id'), page) as Promise<{ rows: LoadedDelivery[]; totalCount: number }>;
}

export function findVisibleWebhookEvent(db: Queryable, subject: MerchantSubject, id: string) {
  return db
    .selectFrom('webhook_events')
    .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_events.endpoint_id')
    .selectAll('webhook_events')
    .where('webhook_events.id', '=', id)
    .where(isVisibleOrganization(subject, 'webhook_endpoints.organization_id'))
    .executeTakeFirst();
}

export async function scheduleAttempt(trx: Transaction, webhookEventId: string, values: Updateable<Tables['webhook_events']>): Promise<void> {
  await trx.updateTable('webhook_events').set(values).where('id', '=', webhookEventId).execute();
}
