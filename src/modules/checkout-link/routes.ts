import { Type } from '@sinclair/typebox';
import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { parseEmbedOrigin } from '../checkout/embed.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { checkoutUrl } from '../checkout/presenter.js';
import { presentCheckoutLink } from './presenter.js';
import { CheckoutLink, CheckoutLinkCreate, CheckoutLinkListQuery, CheckoutLinkUpdate, ListResourceCheckoutLink, RedirectQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['checkout-links'];

export function checkoutLinkRoutes(app: App, { db, readDb, config }: Context): void {
  app.get('/v1/checkout-links/', {
    schema: { tags, summary: 'List Checkout Links', operationId: 'checkout-links:list', querystring: CheckoutLinkListQuery, response: { 200: ListResourceCheckoutLink } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('checkout_links') } },
    handler: (request) => service.listLinks(readDb, config, merchantOf(request), request.query),
  });

  app.post('/v1/checkout-links/', {
    schema: { tags, summary: 'Create Checkout Link', operationId: 'checkout-links:create', body: CheckoutLinkCreate, response: { 201: CheckoutLink } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('checkout_links') } },
    handler: async (request, reply) => reply.code(201).send(presentCheckoutLink(config, await transaction(db, (trx) => service.createLink(trx, merchantOf(request), request.body)))),
  });

  app.get('/v1/checkout-links/:id', {
    schema: { tags, summary: 'Get Checkout Link', operationId: 'checkout-links:get', params: IdParams, response: { 200: CheckoutLink } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('checkout_links') } },
    handler: async (request) => presentCheckoutLink(config, await service.getLink(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/checkout-links/:id', {
    schema: { tags, summary: 'Update Checkout Link', operationId: 'checkout-links:update', params: IdParams, body: CheckoutLinkUpdate, response: { 200: CheckoutLink } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('checkout_links') } },
    handler: async (request) => presentCheckoutLink(config, await transaction(db, (trx) => service.updateLink(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/checkout-links/:id', {
    schema: { tags, summary: 'Delete Checkout Link', operationId: 'checkout-links:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('checkout_links') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteLink(trx, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });

  // A visit: open a checkout and send the visitor to its page, the query passed along.
  app.get('/v1/checkout-links/:client_secret/redirect', {
    schema: { hide: true, params: Type.Object({ client_secret: Type.String({ minLength: 1 }) }), querystring: RedirectQuery },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const query = request.query as Record<string, string | undefined>;
      const loaded = await transaction(db, (trx) =>
        service.visitLink(trx, config, request.params.client_secret, { embedOrigin: parseEmbedOrigin(query.embed_origin), ipAddress: request.ip, customerEmail: query.customer_email, discountCode: query.discount_code }),
      );
      const target = new URL(checkoutUrl(config, loaded.checkout.client_secret));
      // Passed along whole: the checkout page checks `embed_origin` (an invalid one gets its error page).
      for (const [key, value] of Object.entries(query)) if (typeof value === 'string') target.searchParams.set(key, value);
      return reply.redirect(target.toString(), 307);
    },
  });
}
