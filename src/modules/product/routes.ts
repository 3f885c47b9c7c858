import { readScopes, writeScopes, MERCHANT } from '../../kit/auth.js';
import { transaction } from '../../kit/db.js';
import type { Context } from '../../kit/context.js';
import { merchantOf, sendShared, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentProduct } from './presenter.js';
import { ListResourceProduct, Product, ProductBenefitsUpdate, ProductCreate, ProductListQuery, ProductUpdate } from './schemas.js';
import * as service from './service.js';

const tags = ['products'];

export function productRoutes(app: App, { db, readDb, config }: Context): void {
  app.get('/v1/products/', {
    schema: { tags, summary: 'List Products', operationId: 'products:list', querystring: ProductListQuery, response: { 200: ListResourceProduct } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('products') } },
    handler: async (request, reply) => sendShared(reply, await service.listProducts(readDb, config, merchantOf(request), request.query)),
  });

  app.post('/v1/products/', {
    schema: { tags, summary: 'Create Product', operationId: 'products:create', body: ProductCreate, response: { 201: Product } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('products') } },
    handler: async (request, reply) => {
      const product = await transaction(db, (trx) => service.createProduct(trx, config, merchantOf(request), request.body));
      return reply.code(201).send(presentProduct(config, product));
    },
  });

  app.get('/v1/products/:id', {
    schema: { tags, summary: 'Get Product', operationId: 'products:get', params: IdParams, response: { 200: Product } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('products') } },
    handler: async (request) => presentProduct(config, await service.getProduct(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/products/:id', {
    schema: { tags, summary: 'Update Product', operationId: 'products:update', params: IdParams, body: ProductUpdate, response: { 200: Product } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('products') } },
    handler: async (request) =>
      presentProduct(config, await transaction(db, (trx) => service.updateProduct(trx, config, merchantOf(request), request.params.id, request.body))),
  });

  app.post('/v1/products/:id/benefits', {
    schema: { tags, summary: 'Update Product Benefits', operationId: 'products:update_benefits', params: IdParams, body: ProductBenefitsUpdate, response: { 200: Product } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('products') } },
    handler: async (request) =>
      presentProduct(config, await transaction(db, (trx) => service.updateProductBenefits(trx, config, merchantOf(request), request.params.id, request.body))),
  });
}
