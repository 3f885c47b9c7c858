import { readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { customerOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { OrderInvoice } from '../order/schemas.js';
import { Organization } from '../organization/schemas.js';
import {
  CustomerBenefitGrant,
  CustomerBenefitGrantListQuery,
  CustomerBenefitGrantUpdate,
  CustomerOrder,
  CustomerOrderListQuery,
  CustomerPortalCustomer,
  CustomerSubscription,
  CustomerSubscriptionListQuery,
  CustomerSubscriptionUpdate,
  ListResourceCustomerBenefitGrant,
  ListResourceCustomerOrder,
  ListResourceCustomerSubscription,
  SlugParams,
} from './schemas.js';
import * as service from './service.js';

const tags = ['customer_portal'];
const READ = { subjects: ['customer'] as const, scopes: readScopes('customer_portal') };
const WRITE = { subjects: ['customer'] as const, scopes: writeScopes('customer_portal') };

export function customerPortalRoutes(app: App, context: Context): void {
  const { db, readDb, config } = context;
  app.get('/v1/customer-portal/customers/:id', {
    schema: { tags, summary: 'Get Customer', operationId: 'customer_portal:customers:get', params: IdParams, response: { 200: CustomerPortalCustomer } },
    config: { auth: READ },
    handler: (request) => service.getCustomer(db, customerOf(request), request.params.id),
  });

  // Public: the portal's sign-in page names its organization.
  app.get('/v1/customer-portal/organizations/:slug', {
    schema: { tags, summary: 'Get Organization', operationId: 'customer_portal:organizations:get', params: SlugParams, response: { 200: Organization } },
    handler: (request) => service.getOrganizationBySlug(db, request.params.slug),
  });

  app.get('/v1/customer-portal/orders/', {
    schema: { tags, summary: 'List Orders', operationId: 'customer_portal:orders:list', querystring: CustomerOrderListQuery, response: { 200: ListResourceCustomerOrder } },
    config: { auth: READ },
    handler: (request) => service.listOrders(readDb, config, customerOf(request), request.query),
  });

  app.get('/v1/customer-portal/orders/:id', {
    schema: { tags, summary: 'Get Order', operationId: 'customer_portal:orders:get', params: IdParams, response: { 200: CustomerOrder } },
    config: { auth: READ },
    handler: (request) => service.getCustomerOrder(db, config, customerOf(request), request.params.id),
  });

  app.get('/v1/customer-portal/orders/:id/invoice', {
    schema: { tags, summary: 'Get Order Invoice', operationId: 'customer_portal:orders:invoice', params: IdParams, response: { 200: OrderInvoice } },
    config: { auth: READ },
    handler: (request) => service.orderInvoice(db, config, customerOf(request), request.params.id),
  });

  app.get('/v1/customer-portal/subscriptions/', {
    schema: { tags, summary: 'List Subscriptions', operationId: 'customer_portal:subscriptions:list', querystring: CustomerSubscriptionListQuery, response: { 200: ListResourceCustomerSubscription } },
    config: { auth: READ },
    handler: (request) => service.listSubscriptions(readDb, config, customerOf(request), request.query),
  });

  app.get('/v1/customer-portal/subscriptions/:id', {
    schema: { tags, summary: 'Get Subscription', operationId: 'customer_portal:subscriptions:get', params: IdParams, response: { 200: CustomerSubscription } },
    config: { auth: READ },
    handler: (request) => service.getSubscription(db, config, customerOf(request), request.params.id),
  });

  app.patch('/v1/customer-portal/subscriptions/:id', {
    schema: { tags, summary: 'Update Subscription', operationId: 'customer_portal:subscriptions:update', params: IdParams, body: CustomerSubscriptionUpdate, response: { 200: CustomerSubscription } },
    config: { auth: WRITE },
    handler: (request) => transaction(db, (trx) => service.updateSubscription(trx, context, customerOf(request), request.params.id, request.body)),
  });

  app.delete('/v1/customer-portal/subscriptions/:id', {
    schema: { tags, summary: 'Cancel Subscription', operationId: 'customer_portal:subscriptions:cancel', params: IdParams, response: { 200: CustomerSubscription } },
    config: { auth: WRITE },
    handler: (request) => transaction(db, (trx) => service.cancelSubscription(trx, context, customerOf(request), request.params.id)),
  });

  app.get('/v1/customer-portal/benefit-grants/', {
    schema: { tags, summary: 'List Benefit Grants', operationId: 'customer_portal:benefit-grants:list', querystring: CustomerBenefitGrantListQuery, response: { 200: ListResourceCustomerBenefitGrant } },
    config: { auth: READ },
    handler: (request) => service.listGrants(readDb, customerOf(request), request.query),
  });

  app.get('/v1/customer-portal/benefit-grants/:id', {
    schema: { tags, summary: 'Get Benefit Grant', operationId: 'customer_portal:benefit-grants:get', params: IdParams, response: { 200: CustomerBenefitGrant } },
    config: { auth: READ },
    handler: (request) => service.getGrant(db, customerOf(request), request.params.id),
  });

  app.patch('/v1/customer-portal/benefit-grants/:id', {
    schema: { tags, summary: 'Update Benefit Grant', operationId: 'customer_portal:benefit-grants:update', params: IdParams, body: CustomerBenefitGrantUpdate, response: { 200: CustomerBenefitGrant } },
    config: { auth: WRITE },
    handler: (request) => transaction(db, (trx) => service.updateGrant(trx, customerOf(request), request.params.id, request.body)),
  });
}
