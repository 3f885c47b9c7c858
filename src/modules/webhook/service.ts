// Webhook endpoints and their deliveries. An endpoint belongs to an organization, names the event
// types it wants, and signs with its secret (never shown again). Delivery itself is delivery.ts.
import type { Config } from '../../config.js';
import type { WebhookEndpointRow } from '../../db/schema/webhook.js';
import { resolveOrganizationForCreate, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import { afterCommit, type Queryable, type Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { endpointsChanged } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { deliveriesDue, MAX_ATTEMPTS } from './delivery.js';
import { presentDelivery, presentEndpoint } from './presenter.js';
import * as repository from './repository.js';
import type { WebhookDeliveryListQuery, WebhookEndpointCreate, WebhookEndpointListQuery, WebhookEndpointUpdate } from './schemas.js';
import { urlProblem } from './url-safety.js';

function checkUrl(config: Config, url: string): void {
  const problem = urlProblem(url, config.webhooks.allowPrivateUrls);
  if (problem) throw new ValidationError(['body', 'url'], problem, url, 'url_parsing');
}

export async function listEndpoints(db: Queryable, subject: MerchantSubject, query: WebhookEndpointListQuery) {
  const { rows, totalCount } = await repository.listVisibleEndpoints(db, subject, query.organization_id, query);
  return toPage(rows.map(presentEndpoint), totalCount, query);
}

export async function getEndpoint(db: Queryable, subject: MerchantSubject, id: string): Promise<WebhookEndpointRow> {
  const endpoint = await repository.findVisibleEndpoint(db, subject, id);
  if (!endpoint) throw new ResourceNotFound();
  return endpoint;
}

export async function createEndpoint(trx: Transaction, config: Config, subject: MerchantSubject, input: WebhookEndpointCreate): Promise<WebhookEndpointRow> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  checkUrl(config, input.url);
  endpointsChanged(trx, organizationId);
  return repository.insertEndpoint(trx, {
    id: newId(),
    created_at: clock.now(),
    organization_id: organizationId,
    url: input.url,
    format: input.format,
    secret: input.secret,
    events: [...new Set(input.events)],
  });
}

export async function updateEndpoint(trx: Transaction, config: Config, subject: MerchantSubject, id: string, input: WebhookEndpointUpdate): Promise<WebhookEndpointRow> {
  const endpoint = await getEndpoint(trx, subject, id);
  if (input.url) checkUrl(config, input.url);
  endpointsChanged(trx, endpoint.organization_id);
  return repository.updateEndpoint(trx, endpoint.id, {
    modified_at: clock.now(),
    ...(input.url ? { url: input.url } : {}),
    ...(input.format ? { format: input.format } : {}),
    ...(input.secret ? { secret: input.secret } : {}),
    ...(input.events ? { events: [...new Set(input.events)] } : {}),
  });
}

/** Deleting an endpoint stops its deliveries, pending ones included. */
export async function deleteEndpoint(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const endpoint = await getEndpoint(trx, subject, id);
  const now = clock.now();
  endpointsChanged(trx, endpoint.organization_id);
  await repository.updateEndpoint(trx, endpoint.id, { deleted_at: now, modified_at: now });
}

export async function listDeliveries(db: Queryable, subject: MerchantSubject, query: WebhookDeliveryListQuery) {
  const { rows, totalCount } = await repository.listVisibleDeliveries(db, subject, query.endpoint_id, query);
  return toPage(rows.map(presentDelivery), totalCount, query);
}

/** Sends a webhook event once more, now, whatever happened before (one attempt, no retries). */
export async function redeliverEvent(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const event = await repository.findVisibleWebhookEvent(trx, subject, id);
  if (!event) throw new ResourceNotFound();
  await repository.scheduleAttempt(trx, event.id, { next_attempt_at: clock.now(), locked_until: null, attempts: Math.max(event.attempts, MAX_ATTEMPTS - 1), modified_at: clock.now() });
  afterCommit(trx, () => deliveriesDue.raise());
}
