import { readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { READERS, readerOf } from '../external-organization/routes.js';
import { ListResourceRepository, Repository, RepositoryListQuery, RepositoryUpdate } from './schemas.js';
import * as service from './service.js';

export function repositoryRoutes(app: App, { db }: Context): void {
  const tags = ['repositories'];
  app.get('/v1/repositories/', {
    schema: { tags, summary: 'List Repositories', operationId: 'repositories:list', querystring: RepositoryListQuery, response: { 200: ListResourceRepository } },
    config: { auth: { subjects: READERS, scopes: readScopes('repositories') } },
    handler: (request) => service.listRepositories(db, readerOf(request.subject), request.query),
  });

  app.get('/v1/repositories/:id', {
    schema: { tags, summary: 'Get Repository', operationId: 'repositories:get', params: IdParams, response: { 200: Repository } },
    config: { auth: { subjects: READERS, scopes: readScopes('repositories') } },
    handler: (request) => service.getRepository(db, readerOf(request.subject), request.params.id),
  });

  app.patch('/v1/repositories/:id', {
    schema: { tags, summary: 'Update Repository', operationId: 'repositories:update', params: IdParams, body: RepositoryUpdate, response: { 200: Repository } },
    config: { auth: { subjects: ['user', 'organization'], scopes: writeScopes('repositories') } },
    handler: (request) => transaction(db, (trx) => service.updateRepository(trx, merchantOf(request), request.params.id, request.body)),
  });
}
