import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { ResourceNotFound } from '../../kit/errors.js';
import { merchantOf, type App } from '../../kit/http.js';
import { RATE_LIMITS } from '../../kit/rate-limit.js';
import { IdParams } from '../../kit/schemas.js';
import { confirmCheckout } from './confirm.js';
import { presentCheckout, presentCheckoutPublic } from './presenter.js';
import {
  Checkout,
  CheckoutConfirm,
  CheckoutCreate,
  CheckoutLegacy,
  CheckoutLegacyCreate,
  CheckoutListQuery,
  LegacyIdParams,
  CheckoutPublic,
  CheckoutPublicConfirmed,
  CheckoutUpdate,
  CheckoutUpdatePublic,
  ClientSecretParams,
  ListResourceCheckout,
} from './schemas.js';
import * as service from './service.js';
import { CheckoutStreams } from './stream.js';

const tags = ['checkouts', 'custom'];
const ANONYMOUS = { subjects: ['anonymous', 'user', 'organization', 'customer'] } as const;

export function checkoutRoutes(app: App, { db, readDb, notifications, config, payments, authenticator }: Context): void {
  app.get('/v1/checkouts/custom/', {
    schema: { tags, summary: 'List Checkout Sessions', operationId: 'checkouts:custom:list', querystring: CheckoutListQuery, response: { 200: ListResourceCheckout } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('checkouts') } },
    handler: (request) => service.listCheckouts(readDb, config, merchantOf(request), request.query),
  });

  app.post('/v1/checkouts/custom/', {
    schema: { tags, summary: 'Create Checkout Session', operationId: 'checkouts:custom:create', body: CheckoutCreate, response: { 201: Checkout } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('checkouts') } },
    handler: async (request, reply) => {
      const loaded = await transaction(db, (trx) => service.createCheckout(trx, config, merchantOf(request), request.body));
      return reply.code(201).send(presentCheckout(config, loaded));
    },
  });

  app.get('/v1/checkouts/custom/:id', {
    schema: { tags, summary: 'Get Checkout Session', operationId: 'checkouts:custom:get', params: IdParams, response: { 200: Checkout } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('checkouts') } },
    handler: async (request) => presentCheckout(config, await service.getCheckout(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/checkouts/custom/:id', {
    schema: { tags, summary: 'Update Checkout Session', operationId: 'checkouts:custom:update', params: IdParams, body: CheckoutUpdate, response: { 200: Checkout } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('checkouts') } },
    handler: async (request) => presentCheckout(config, await transaction(db, (trx) => service.updateCheckout(trx, config, merchantOf(request), request.params.id, request.body))),
  });

  // The deprecated API: anyone (or a user) opens a checkout for a price; anyone reads it by id.
  const presentLegacy = (loaded: Awaited<ReturnType<typeof service.getLegacyCheckout>>) => {
    const checkout = presentCheckout(config, loaded);
    return { id: checkout.id, url: checkout.url, customer_email: checkout.customer_email, customer_name: checkout.customer_name, product: checkout.product, product_price: checkout.product_price };
  };
  app.post('/v1/checkouts/', {
    schema: { tags: ['checkouts'], summary: 'Create Checkout', operationId: 'checkouts:create', deprecated: true, body: CheckoutLegacyCreate, response: { 201: CheckoutLegacy } },
    config: { auth: { subjects: ['anonymous', 'user'] } },
    handler: async (request, reply) => reply.code(201).send(presentLegacy(await transaction(db, (trx) => service.createLegacyCheckout(trx, config, request.body)))),
  });
  app.get('/v1/checkouts/:id', {
    schema: { tags: ['checkouts'], summary: 'Get Checkout', operationId: 'checkouts:get', deprecated: true, params: LegacyIdParams, response: { 200: CheckoutLegacy } },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request) => {
      const id = request.params.id;
      // Legacy ids were the processor's session ids: anything that is not one of Floe's is unknown.
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new ResourceNotFound();
      return presentLegacy(await service.getLegacyCheckout(db, id));
    },
  });

  // The customer's side: by client secret, no token needed.
  app.get('/v1/checkouts/custom/client/:client_secret', {
    schema: { tags, summary: 'Get Checkout Session from Client', operationId: 'checkouts:custom:client_get', params: ClientSecretParams, response: { 200: CheckoutPublic } },
    config: { auth: ANONYMOUS, rateLimit: RATE_LIMITS.checkoutClient },
    handler: async (request) => {
      const loaded = await service.getCheckoutByClientSecret(db, request.params.client_secret);
      return presentCheckoutPublic(config, loaded, await service.organizationOf(db, loaded.checkout));
    },
  });

  app.patch('/v1/checkouts/custom/client/:client_secret', {
    schema: { tags, summary: 'Update Checkout Session from Client', operationId: 'checkouts:custom:client_update', params: ClientSecretParams, body: CheckoutUpdatePublic, response: { 200: CheckoutPublic } },
    config: { auth: ANONYMOUS, rateLimit: RATE_LIMITS.checkoutClient },
    handler: async (request) => {
      const loaded = await transaction(db, (trx) => service.updateCheckoutByClientSecret(trx, config, request.params.client_secret, request.body));
      return presentCheckoutPublic(config, loaded, await service.organizationOf(db, loaded.checkout));
    },
  });

  // Server-sent events of the checkout (stream.ts), until its status is final, the client goes
  // away or Floe stops. Listening starts with the first stream.
  const streams = new CheckoutStreams(notifications, (clientSecret) => service.checkoutStatus(db, clientSecret));
  app.addHook('preClose', (done) => {
    streams.endAll();
    done();
  });
  app.get('/v1/checkouts/custom/client/:client_secret/stream', {
    schema: { hide: true, params: ClientSecretParams },
    config: { auth: ANONYMOUS },
    handler: async (request, reply) => {
      const found = await streams.stream(request.params.client_secret, () => {
        reply.hijack();
        return reply.raw;
      });
      if (!found) throw new ResourceNotFound();
    },
  });

  app.post('/v1/checkouts/custom/client/:client_secret/confirm', {
    schema: { tags, summary: 'Confirm Checkout Session from Client', operationId: 'checkouts:custom:client_confirm', params: ClientSecretParams, body: CheckoutConfirm, response: { 200: CheckoutPublicConfirmed } },
    config: { auth: ANONYMOUS, rateLimit: RATE_LIMITS.checkoutConfirm },
    handler: async (request) => {
      const { loaded, customerSessionToken } = await transaction(db, (trx) => confirmCheckout(trx, config, payments, authenticator, request.params.client_secret, request.body));
      return { ...presentCheckoutPublic(config, loaded, await service.organizationOf(db, loaded.checkout)), customer_session_token: customerSessionToken };
    },
  });
}
