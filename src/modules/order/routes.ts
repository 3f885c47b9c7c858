import { Type } from '@sinclair/typebox';
import { MERCHANT, readScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentOrder } from './presenter.js';
import { ListResourceOrder, Order, OrderInvoice, OrderListQuery } from './schemas.js';
import * as service from './service.js';

const tags = ['orders'];

export function orderRoutes(app: App, { db, readDb, config }: Context): void {
  app.get('/v1/orders/', {
    schema: { tags, summary: 'List Orders', operationId: 'orders:list', querystring: OrderListQuery, response: { 200: ListResourceOrder } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('orders') } },
    handler: (request) => service.listOrders(readDb, merchantOf(request), request.query),
  });

  app.get('/v1/orders/:id', {
    schema: { tags, summary: 'Get Order', operationId: 'orders:get', params: IdParams, response: { 200: Order } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('orders') } },
    handler: async (request) => presentOrder(await service.getOrder(db, merchantOf(request), request.params.id)),
  });

  app.get('/v1/orders/:id/invoice', {
    schema: { tags, summary: 'Get Order Invoice', operationId: 'orders:invoice', params: IdParams, response: { 200: OrderInvoice } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('orders') } },
    handler: async (request) => ({ url: await service.invoiceUrl(db, config, merchantOf(request), request.params.id) }),
  });

  // The invoice itself: the signed URL is the permission, so no token is needed.
  // The token rides in the query: it is longer than a path segment may be.
  app.get('/v1/orders/invoice.pdf', {
    schema: { hide: true, querystring: Type.Object({ token: Type.String({ minLength: 1 }) }) },
    config: { auth: { subjects: ['anonymous', 'user', 'organization', 'customer'] } },
    handler: async (request, reply) => {
      const { filename, pdf } = await service.renderInvoice(db, config, request.query.token);
      return reply.type('application/pdf').header('content-disposition', `inline; filename="${filename}"`).send(pdf);
    },
  });
}
