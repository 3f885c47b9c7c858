import type { WebhookEndpointRow, WebhookEventRow } from '../../db/schema/webhook.js';
import type { LoadedDelivery } from './repository.js';

/** An endpoint as the API shows it: never its secret. */
export function presentEndpoint(row: WebhookEndpointRow) {
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    url: row.url,
    format: row.format,
    user_id: null,
    organization_id: row.organization_id,
    events: row.events,
  };
}

function presentWebhookEvent(row: WebhookEventRow) {
  return { created_at: row.created_at, modified_at: row.modified_at, id: row.id, last_http_code: row.last_http_code, succeeded: row.succeeded, payload: row.payload };
}

export function presentDelivery(row: LoadedDelivery) {
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    http_code: row.http_code,
    succeeded: row.succeeded,
    response: row.response,
    webhook_event: presentWebhookEvent(row.webhook_event),
  };
}
