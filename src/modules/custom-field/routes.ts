import type { FastifyRequest } from 'fastify';
import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentCustomField } from './presenter.js';
import { CustomField, CustomFieldCreate, CustomFieldListQuery, CustomFieldUpdate, ListResourceCustomField } from './schemas.js';
import * as service from './service.js';

const tags = ['custom-fields'];

/** Polar drops properties sent as null or "" before validating them (an emptied form input). */
async function dropUnsetProperties(request: FastifyRequest): Promise<void> {
  const body = request.body as { properties?: unknown } | undefined;
  if (body && typeof body.properties === 'object' && body.properties !== null && !Array.isArray(body.properties)) {
    body.properties = Object.fromEntries(Object.entries(body.properties).filter(([, value]) => value !== null && value !== ''));
  }
}

export function customFieldRoutes(app: App, { db, readDb }: Context): void {
  app.get('/v1/custom-fields/', {
    schema: { tags, summary: 'List Custom Fields', operationId: 'custom-fields:list', querystring: CustomFieldListQuery, response: { 200: ListResourceCustomField } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('custom_fields') } },
    handler: (request) => service.listCustomFields(readDb, merchantOf(request), request.query),
  });

  app.post('/v1/custom-fields/', {
    schema: { tags, summary: 'Create Custom Field', operationId: 'custom-fields:create', body: CustomFieldCreate, response: { 201: CustomField } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('custom_fields') } },
    preValidation: dropUnsetProperties,
    handler: async (request, reply) => {
      const field = await transaction(db, (trx) => service.createCustomField(trx, merchantOf(request), request.body));
      return reply.code(201).send(presentCustomField(field));
    },
  });

  app.get('/v1/custom-fields/:id', {
    schema: { tags, summary: 'Get Custom Field', operationId: 'custom-fields:get', params: IdParams, response: { 200: CustomField } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('custom_fields') } },
    handler: async (request) => presentCustomField(await service.getCustomField(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/custom-fields/:id', {
    schema: { tags, summary: 'Update Custom Field', operationId: 'custom-fields:update', params: IdParams, body: CustomFieldUpdate, response: { 200: CustomField } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('custom_fields') } },
    preValidation: dropUnsetProperties,
    handler: async (request) =>
      presentCustomField(await transaction(db, (trx) => service.updateCustomField(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/custom-fields/:id', {
    schema: { tags, summary: 'Delete Custom Field', operationId: 'custom-fields:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('custom_fields') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteCustomField(trx, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });
}
