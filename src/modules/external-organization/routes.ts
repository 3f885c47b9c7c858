import { WEB_DEFAULT, type Subject } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import type { App } from '../../kit/http.js';
import type { ReaderSubject } from './repository.js';
import { ExternalOrganizationListQuery, ListResourceExternalOrganization } from './schemas.js';
import * as service from './service.js';

/** Public: anonymous callers too; tokens need a scope to read. */
export const READERS = ['anonymous', 'user', 'organization'] as const;

export function readerOf(subject: Subject): ReaderSubject {
  if (subject.kind === 'customer') throw new Error('unreachable: route does not accept customers');
  return subject;
}

export function externalOrganizationRoutes(app: App, { db }: Context): void {
  const tags = ['external_organizations'];
  app.get('/v1/external_organizations/', {
    schema: { tags, summary: 'List External Organizations', operationId: 'external_organizations:list', querystring: ExternalOrganizationListQuery, response: { 200: ListResourceExternalOrganization } },
    config: { auth: { subjects: READERS, scopes: [WEB_DEFAULT, 'external_organizations:read'] } },
    handler: (request) => service.listExternalOrganizations(db, readerOf(request.subject), request.query),
  });
}
