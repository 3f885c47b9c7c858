import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentDiscount } from './presenter.js';
import { Discount, DiscountCreate, DiscountListQuery, DiscountUpdate, ListResourceDiscount } from './schemas.js';
import * as service from './service.js';

const tags = ['discounts'];

export function discountRoutes(app: App, { db, readDb }: Context): void {
  app.get('/v1/discounts/', {
    schema: { tags, summary: 'List Discounts', operationId: 'discounts:list', querystring: DiscountListQuery, response: { 200: ListResourceDiscount } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('discounts') } },
    handler: (request) => service.listDiscounts(readDb, merchantOf(request), request.query),
  });

  app.post('/v1/discounts/', {
    schema: { tags, summary: 'Create Discount', operationId: 'discounts:create', body: DiscountCreate, response: { 201: Discount } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('discounts') } },
    handler: async (request, reply) => {
      const discount = await transaction(db, (trx) => service.createDiscount(trx, merchantOf(request), request.body));
      return reply.code(201).send(presentDiscount(discount));
    },
  });

  app.get('/v1/discounts/:id', {
    schema: { tags, summary: 'Get Discount', operationId: 'discounts:get', params: IdParams, response: { 200: Discount } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('discounts') } },
    handler: async (request) => presentDiscount(await service.getDiscount(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/discounts/:id', {
    schema: { tags, summary: 'Update Discount', operationId: 'discounts:update', params: IdParams, body: DiscountUpdate, response: { 200: Discount } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('discounts') } },
    handler: async (request) => presentDiscount(await transaction(db, (trx) => service.updateDiscount(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/discounts/:id', {
    schema: { tags, summary: 'Delete Discount', operationId: 'discounts:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('discounts') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteDiscount(trx, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });
}
