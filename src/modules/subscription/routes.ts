import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentSubscription } from './presenter.js';
import { ListResourceSubscription, Subscription, SubscriptionExportQuery, SubscriptionListQuery, SubscriptionUpdate } from './schemas.js';
import * as service from './service.js';

const tags = ['subscriptions'];

export function subscriptionRoutes(app: App, context: Context): void {
  const { db, readDb, config } = context;
  app.get('/v1/subscriptions/', {
    schema: { tags, summary: 'List Subscriptions', operationId: 'subscriptions:list', querystring: SubscriptionListQuery, response: { 200: ListResourceSubscription } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('subscriptions') } },
    handler: (request) => service.listSubscriptions(readDb, config, merchantOf(request), request.query),
  });

  app.get('/v1/subscriptions/export', {
    schema: { tags, summary: 'Export Subscriptions', operationId: 'subscriptions:export', querystring: SubscriptionExportQuery },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('subscriptions') } },
    handler: async (request, reply) => {
      const csv = await service.exportSubscriptions(db, merchantOf(request), request.query.organization_id);
      return reply.type('text/csv').header('content-disposition', 'attachment; filename=polar-subscribers.csv').send(csv);
    },
  });

  // Not in SDK 0.21 (Polar added `subscriptions:get` later); the dashboard's subscription screen reads it.
  app.get('/v1/subscriptions/:id', {
    schema: { tags, summary: 'Get Subscription', operationId: 'subscriptions:get', params: IdParams, response: { 200: Subscription } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('subscriptions') } },
    handler: async (request) => presentSubscription(config, await service.getSubscription(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/subscriptions/:id', {
    schema: { tags, summary: 'Update Subscription', operationId: 'subscriptions:update', params: IdParams, body: SubscriptionUpdate, response: { 200: Subscription } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('subscriptions') } },
    handler: async (request) =>
      presentSubscription(config, await transaction(db, (trx) => service.updateSubscription(trx, context, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/subscriptions/:id', {
    schema: { tags, summary: 'Revoke Subscription', operationId: 'subscriptions:revoke', params: IdParams, response: { 200: Subscription } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('subscriptions') } },
    handler: async (request) => presentSubscription(config, await transaction(db, (trx) => service.revokeSubscription(trx, config, merchantOf(request), request.params.id))),
  });
}
