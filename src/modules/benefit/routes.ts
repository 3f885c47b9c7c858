import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { presentBenefit } from './presenter.js';
import { Benefit, BenefitCreate, BenefitGrantListQuery, BenefitListQuery, BenefitUpdate, ListResourceBenefit, ListResourceBenefitGrant } from './schemas.js';
import * as service from './service.js';

const tags = ['benefits'];

export function benefitRoutes(app: App, { db, readDb, config }: Context): void {
  app.get('/v1/benefits/', {
    schema: { tags, summary: 'List Benefits', operationId: 'benefits:list', querystring: BenefitListQuery, response: { 200: ListResourceBenefit } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('benefits') } },
    handler: (request) => service.listBenefits(readDb, config, merchantOf(request), request.query),
  });

  app.post('/v1/benefits/', {
    schema: { tags, summary: 'Create Benefit', operationId: 'benefits:create', body: BenefitCreate, response: { 201: Benefit } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('benefits') } },
    handler: async (request, reply) => {
      const benefit = await transaction(db, (trx) => service.createBenefit(trx, config, merchantOf(request), request.body));
      return reply.code(201).send(presentBenefit(config, benefit));
    },
  });

  app.get('/v1/benefits/:id', {
    schema: { tags, summary: 'Get Benefit', operationId: 'benefits:get', params: IdParams, response: { 200: Benefit } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('benefits') } },
    handler: async (request) => presentBenefit(config, await service.getBenefit(db, merchantOf(request), request.params.id)),
  });

  app.get('/v1/benefits/:id/grants', {
    schema: { tags, summary: 'List Benefit Grants', operationId: 'benefits:grants', params: IdParams, querystring: BenefitGrantListQuery, response: { 200: ListResourceBenefitGrant } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('benefits') } },
    handler: (request) => service.listGrants(readDb, merchantOf(request), request.params.id, request.query),
  });

  app.patch('/v1/benefits/:id', {
    schema: { tags, summary: 'Update Benefit', operationId: 'benefits:update', params: IdParams, body: BenefitUpdate, response: { 200: Benefit } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('benefits') } },
    handler: async (request) =>
      presentBenefit(config, await transaction(db, (trx) => service.updateBenefit(trx, config, merchantOf(request), request.params.id, request.body))),
  });

  app.delete('/v1/benefits/:id', {
    schema: { tags, summary: 'Delete Benefit', operationId: 'benefits:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('benefits') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deleteBenefit(trx, config, merchantOf(request), request.params.id));
      return reply.code(204).send();
    },
  });
}
