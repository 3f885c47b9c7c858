// Organization access tokens (`polar_oat_`), managed by the organization's members: Polar's later
// /v1/organization-access-tokens/ API (SDK 0.21 has no such operations).
import { readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import {
  ListResourceOrganizationAccessToken,
  OrganizationAccessTokenCreate,
  OrganizationAccessTokenCreateResponse,
  OrganizationAccessTokenListQuery,
} from './schemas.js';
import * as service from './service.js';

const tags = ['organization_access_tokens'];

export function accessTokenRoutes(app: App, { db, authenticator }: Context): void {
  // Users only: a token must not mint tokens (an organization token could outlive its own revocation).
  app.get('/v1/organization-access-tokens/', {
    schema: { tags, summary: 'List Organization Access Tokens', operationId: 'organization_access_tokens:list', querystring: OrganizationAccessTokenListQuery, response: { 200: ListResourceOrganizationAccessToken } },
    config: { auth: { subjects: ['user'], scopes: readScopes('organizations') } },
    handler: (request) => service.listOrganizationTokens(db, merchantOf(request), request.query),
  });

  app.post('/v1/organization-access-tokens/', {
    schema: { tags, summary: 'Create Organization Access Token', operationId: 'organization_access_tokens:create', body: OrganizationAccessTokenCreate, response: { 201: OrganizationAccessTokenCreateResponse } },
    config: { auth: { subjects: ['user'], scopes: writeScopes('organizations') } },
    handler: async (request, reply) => {
      const subject = merchantOf(request);
      if (subject.kind !== 'user') throw new Error('unreachable: route accepts users only');
      const created = await transaction(db, (trx) => service.createOrganizationToken(trx, authenticator, subject, request.body));
      return reply.code(201).send(created);
    },
  });

  app.delete('/v1/organization-access-tokens/:id', {
    schema: { tags, summary: 'Delete Organization Access Token', operationId: 'organization_access_tokens:delete', params: IdParams, response: { 204: { type: 'null' } } },
    config: { auth: { subjects: ['user'], scopes: writeScopes('organizations') } },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.revokeOrganizationToken(trx, authenticator, merchantOf(request), request.params.id));
      // Again after the commit: a lookup between the revocation's own forget() and the commit cached the token as valid.
      authenticator.forget();
      return reply.code(204).send();
    },
  });
}
