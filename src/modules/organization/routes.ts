import { IdParams } from '../../kit/schemas.js';
import { readScopes, writeScopes } from '../../kit/auth.js';
import { transaction } from '../../kit/db.js';
import type { Context } from '../../kit/context.js';
import { merchantOf, type App } from '../../kit/http.js';
import * as service from './service.js';
import {
  ListResourceOrganization,
  ListResourceOrganizationMember,
  Organization,
  OrganizationCreate,
  OrganizationListQuery,
  OrganizationMember,
  OrganizationMemberInvite,
  OrganizationUpdate,
} from './schemas.js';

const tags = ['organizations'];

export function organizationRoutes(app: App, { db, authenticator, config }: Context): void {
  app.get('/v1/organizations/', {
    schema: { tags, summary: 'List Organizations', operationId: 'organizations:list', querystring: OrganizationListQuery, response: { 200: ListResourceOrganization } },
    config: { auth: { subjects: ['user', 'organization'], scopes: readScopes('organizations') } },
    handler: (request) => service.listOrganizations(db, merchantOf(request), request.query),
  });

  app.post('/v1/organizations/', {
    schema: { tags, summary: 'Create Organization', operationId: 'organizations:create', body: OrganizationCreate, response: { 201: Organization } },
    config: { auth: { subjects: ['user'], scopes: writeScopes('organizations') } },
    handler: async (request, reply) => {
      const subject = merchantOf(request);
      if (subject.kind !== 'user') throw new Error('unreachable: route accepts users only');
      const row = await transaction(db, (trx) => service.createOrganization(trx, subject, request.body));
      // The creator's cached memberships now lack the new organization.
      authenticator.forget();
      return reply.code(201).send(service.presentOrganization(row));
    },
  });

  app.get('/v1/organizations/:id', {
    schema: { tags, summary: 'Get Organization', operationId: 'organizations:get', params: IdParams, response: { 200: Organization } },
    config: { auth: { subjects: ['user', 'organization'], scopes: readScopes('organizations') } },
    handler: async (request) => service.presentOrganization(await service.getOrganization(db, merchantOf(request), request.params.id)),
  });

  app.patch('/v1/organizations/:id', {
    schema: { tags, summary: 'Update Organization', operationId: 'organizations:update', params: IdParams, body: OrganizationUpdate, response: { 200: Organization } },
    config: { auth: { subjects: ['user', 'organization'], scopes: writeScopes('organizations') } },
    handler: async (request) =>
      service.presentOrganization(await transaction(db, (trx) => service.updateOrganization(trx, merchantOf(request), request.params.id, request.body))),
  });

  app.get('/v1/organizations/:id/members', {
    schema: { tags, summary: 'List Members', operationId: 'organizations:members', params: IdParams, response: { 200: ListResourceOrganizationMember } },
    config: { auth: { subjects: ['user', 'organization'], scopes: readScopes('organizations') } },
    handler: (request) => service.listMembers(db, merchantOf(request), request.params.id),
  });

  app.post('/v1/organizations/:id/members/invite', {
    schema: {
      tags,
      summary: 'Invite Member',
      description: 'Adds a user to the organization (creating the user for a new address) and e-mails them. Only the owner (the first member) invites.',
      operationId: 'organizations:invite_member',
      params: IdParams,
      body: OrganizationMemberInvite,
      response: { 200: OrganizationMember, 201: OrganizationMember },
    },
    config: { auth: { subjects: ['user'], scopes: writeScopes('organizations') } },
    handler: async (request, reply) => {
      const subject = merchantOf(request);
      if (subject.kind !== 'user') throw new Error('unreachable: route accepts users only');
      const { member, added } = await transaction(db, (trx) => service.inviteMember(trx, config.baseUrl, subject, request.params.id, request.body));
      // The new member's cached memberships lack the organization.
      if (added) authenticator.forget();
      return reply.code(added ? 201 : 200).send(member);
    },
  });
}
