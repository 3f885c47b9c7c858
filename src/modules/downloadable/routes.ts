import { readScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { customerOf, type App } from '../../kit/http.js';
import { DownloadableListQuery, DownloadableTokenParams, ListResourceDownloadableRead } from './schemas.js';
import * as service from './service.js';

const tags = ['customer_portal'];

export function downloadableRoutes(app: App, { db, readDb, config, storage }: Context): void {
  app.get('/v1/customer-portal/downloadables/', {
    schema: { tags, summary: 'List Downloadables', operationId: 'customer_portal:downloadables:list', querystring: DownloadableListQuery, response: { 200: ListResourceDownloadableRead } },
    config: { auth: { subjects: ['customer'], scopes: readScopes('customer_portal') } },
    handler: (request) => service.listDownloadables(readDb, config, customerOf(request), request.query),
  });

  // Public: the signed token is the permission.
  app.get('/v1/customer-portal/downloadables/:token', {
    schema: { tags, summary: 'Get Downloadable', operationId: 'customer_portal:downloadables:get', params: DownloadableTokenParams },
    handler: async (request, reply) => {
      const url = await transaction(db, (trx) => service.followDownloadLink(trx, config, storage, request.params.token));
      return reply.redirect(url, 302);
    },
  });
}
