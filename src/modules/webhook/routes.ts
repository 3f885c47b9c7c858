import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentEndpoint } from './presenter.js';
import {
  ListResourceWebhookDelivery,
  ListResourceWebhookEndpoint,
  WebhookDeliveryListQuery,
  WebhookEndpoint,
  WebhookEndpointCreate,
  WebhookEndpointListQuery,
  WebhookEndpointUpdate,
} from './schemas.js';
import * as service from './service.js';

const tags = ['webhooks'];

export function webhookRoutes(app: App, { db, readDb, config }: Context): void {
  app.get('/v1/webhooks/endpoints', {
    schema: { tags, summary: 'List Webhook Endpoints', operationId: 'webhooks:list_webhook_endpoints', querystring: WebhookEndpointListQuery, response: { 200: ListResourceWebhookEndpoint } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('webhooks') } },
    handler: (request) => service.listEndpoints(readDb, merchantOf(request), request.query),
  });

  app.post('/v1/webhooks/endpoints', {
    schema: { tags, summary: 'Create Webhook Endpoint', operationId: 'webhooks:create_webhook_endpoint', body: WebhookEndpointCreate, response: { 201: WebhookEndpoint } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('webhooks') } },
    handler: async (request, reply) => {
      const endpoint = await transaction(db, (trx) => service.createEndpoint(trx, config, merchantOf(request), request.body));
      return reply.code(201).send(presentEndpoint(endpoint));
    },
  });

  app.get('/v1/webhooks/endpoints/:id', {
    schema: { tags, summary: 'Get Webhook Endpoint', operationId: 'webhooks:get_webhook_endpoint', params: IdParams, response: { 200: WebhookEndpoint } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('webhooks') } },
    handler: async (request) => presentEndpoint(await service.getEndpoint(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/webhooks/endpoints/:id', {
    schema: { tags, summary: 'Update Webhook Endpoint', operationId: 'webhooks:update_webhook_endpoint', params: IdParams, body: WebhookEndpointUpdate, response: { 200: WebhookEndpoint } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('webhooks') } },
    handler: async (request) => presentEndpoint(await transaction(db, (trx) => service.updateEndpoint(trx, config, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/webhooks/endpoints/:id', {
    schema: { tags, summary: 'Delete Webhook Endpoint', operationId: 'webhooks:delete_webhook_endpoint', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('webhooks') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteEndpoint(trx, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });

  app.get('/v1/webhooks/deliveries', {
    schema: { tags, summary: 'List Webhook Deliveries', operationId: 'webhooks:list_webhook_deliveries', querystring: WebhookDeliveryListQuery, response: { 200: ListResourceWebhookDelivery } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('webhooks') } },
    handler: (request) => service.listDeliveries(readDb, merchantOf(request), request.query),
  });

  app.post('/v1/webhooks/events/:id/redeliver', {
    schema: { tags, summary: 'Redeliver Webhook Event', operationId: 'webhooks:redeliver_webhook_event', params: IdParams, response: { 202: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('webhooks') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.redeliverEvent(trx, merchantOf(request), request.params.id));
      return reply.code(202).send();
    },
  });
}
