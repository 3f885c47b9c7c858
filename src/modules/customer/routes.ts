import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentCustomer } from './presenter.js';
import { Customer, CustomerCreate, CustomerListQuery, CustomerUpdate, ListResourceCustomer } from './schemas.js';
import * as service from './service.js';

const tags = ['customers'];

export function customerRoutes(app: App, { db, readDb }: Context): void {
  app.get('/v1/customers/', {
    schema: { tags, summary: 'List Customers', operationId: 'customers:list', querystring: CustomerListQuery, response: { 200: ListResourceCustomer } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('customers') } },
    handler: (request) => service.listCustomers(readDb, merchantOf(request), request.query),
  });

  app.post('/v1/customers/', {
    schema: { tags, summary: 'Create Customer', operationId: 'customers:create', body: CustomerCreate, response: { 201: Customer } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('customers') } },
    handler: async (request, reply) => {
      const customer = await transaction(db, (trx) => service.createCustomer(trx, merchantOf(request), request.body));
      return reply.code(201).send(presentCustomer(customer));
    },
  });

  app.get('/v1/customers/:id', {
    schema: { tags, summary: 'Get Customer', operationId: 'customers:get', params: IdParams, response: { 200: Customer } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('customers') } },
    handler: async (request) => presentCustomer(await service.getCustomer(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/customers/:id', {
    schema: { tags, summary: 'Update Customer', operationId: 'customers:update', params: IdParams, body: CustomerUpdate, response: { 200: Customer } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('customers') } },
    handler: async (request) => presentCustomer(await transaction(db, (trx) => service.updateCustomer(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/customers/:id', {
    schema: { tags, summary: 'Delete Customer', operationId: 'customers:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('customers') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteCustomer(trx, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });
}
