// The OAuth2 and OpenID Connect endpoints. Token, revoke, introspect and consent take forms
// (application/x-www-form-urlencoded, a parser scoped to them) and answer RFC 6749's errors.
//
// Statuses: Polar's authlib answers registration with 201 and deletion with 204, but Polar's own
// OpenAPI document, and so @polar-sh/sdk@0.21.0, declare 200 with JSON for all four client
// operations, and the SDK fails on any other status. Floe answers as the SDK reads: 200 with the
// client, and `{}` for a deletion.
import type { FastifyRequest } from 'fastify';
import { WEB_DEFAULT, type UserSubject } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { transaction } from '../../kit/db.js';
import { NotPermitted, Unauthorized } from '../../kit/errors.js';
import { acceptForms, CSRF_HEADER, type App } from '../../kit/http.js';
import { publicJwks } from './keys.js';
import {
  AuthorizeResponse,
  ClientIdParams,
  ClientListQuery,
  IntrospectTokenResponse,
  ListResourceOAuth2Client,
  OAuth2ClientConfiguration,
  OAuth2ClientConfigurationUpdate,
  OAuth2ClientRegistration,
  TokenResponse,
  UserInfo,
  type FormFields,
} from './schemas.js';
import * as service from './service.js';

const USER_SESSION = { subjects: ['user'] as const, scopes: [WEB_DEFAULT] };
const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** A form's text fields; anything else (a JSON body's numbers, repeated fields) is not a field. */
export function formFields(body: unknown): FormFields {
  const fields: FormFields = {};
  if (body && typeof body === 'object') {
    for (const [name, value] of Object.entries(body as Record<string, unknown>)) if (typeof value === 'string') fields[name] = value;
  }
  return fields;
}

function userOf(request: FastifyRequest): UserSubject {
  const subject = request.subject;
  if (subject.kind !== 'user') throw new Error('route expects a user subject');
  return subject;
}

export function oauth2Routes(app: App, context: Context): void {
  const { db, config, authenticator } = context;
  const tags = ['oauth2', 'clients'];

  const sessionUser = (request: FastifyRequest) => authenticator.signedInUser(request.headers.cookie);

  /**
   * Who manages a client (RFC 7592): a bearer token is taken as the registration access token;
   * otherwise the owner's dashboard session, whose writes carry the CSRF header as every write.
   */
  async function managerOf(request: FastifyRequest): Promise<service.ClientManager | null> {
    const bearer = /^bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) return { kind: 'registration_token', token: bearer };
    const session = await sessionUser(request);
    if (!session) return null;
    if (request.method !== 'GET') {
      if (!authenticator.isCsrfToken(session.token, request.headers[CSRF_HEADER])) throw new NotPermitted('Missing or invalid CSRF token.');
    }
    return { kind: 'user', userId: session.user.userId };
  }

  app.get('/v1/oauth2/', {
    schema: { tags, summary: 'List Clients', operationId: 'oauth2:clients:list', querystring: ClientListQuery, response: { 200: ListResourceOAuth2Client } },
    config: { auth: USER_SESSION },
    handler: (request) => service.listClients(db, userOf(request), request.query),
  });

  app.post('/v1/oauth2/register', {
    schema: { tags, summary: 'Create Client', operationId: 'oauth2:clients:oauth2:create_client', body: OAuth2ClientConfiguration, response: { 200: OAuth2ClientRegistration } },
    config: { auth: USER_SESSION },
    handler: (request) => transaction(db, (trx) => service.registerClient(trx, config, userOf(request), request.body)),
  });

  app.get('/v1/oauth2/register/:client_id', {
    schema: { tags, summary: 'Get Client', operationId: 'oauth2:clients:oauth2:get_client', params: ClientIdParams, response: { 200: OAuth2ClientRegistration } },
    handler: async (request) => service.readClient(db, config, request.params.client_id, await managerOf(request)),
  });

  app.put('/v1/oauth2/register/:client_id', {
    schema: { tags, summary: 'Update Client', operationId: 'oauth2:clients:oauth2:update_client', params: ClientIdParams, body: OAuth2ClientConfigurationUpdate, response: { 200: OAuth2ClientRegistration } },
    handler: async (request) => {
      const manager = await managerOf(request);
      return transaction(db, (trx) => service.updateClient(trx, config, request.params.client_id, manager, request.body));
    },
  });

  app.delete('/v1/oauth2/register/:client_id', {
    schema: { tags, summary: 'Delete Client', operationId: 'oauth2:clients:oauth2:delete_client', params: ClientIdParams },
    handler: async (request, reply) => {
      const manager = await managerOf(request);
      await transaction(db, (trx) => service.deleteClient(trx, authenticator, request.params.client_id, manager));
      return reply.code(200).type('application/json').send('{}');
    },
  });

  app.get('/v1/oauth2/authorize', {
    schema: { tags: ['oauth2'], summary: 'Authorize', operationId: 'oauth2:authorize', response: { 200: AuthorizeResponse } },
    // A dashboard session or nobody (then a 401 sends the browser to sign in); a token is refused.
    config: { auth: { subjects: ['user', 'anonymous'], scopes: [WEB_DEFAULT] } },
    handler: async (request, reply) => {
      const subject = request.subject;
      const outcome = await transaction(db, (trx) => service.authorize(trx, authenticator, formFields(request.query), subject.kind === 'user' ? subject : null));
      if (outcome.kind === 'redirect') return reply.redirect(outcome.location, 302);
      return outcome.data;
    },
  });

  app.get('/v1/oauth2/userinfo', {
    schema: { tags: ['oauth2'], summary: 'Get User Info', operationId: 'oauth2:userinfo', response: { 200: UserInfo } },
    handler: (request) => service.userInfo(db, authenticator, request.headers.authorization),
  });

  app.register(async (forms) => {
    acceptForms(forms);
    const endpointRequest = (request: FastifyRequest) => ({ form: formFields(request.body), authorization: request.headers.authorization });

    forms.post('/v1/oauth2/token', {
      schema: { tags: ['oauth2'], summary: 'Request Token', operationId: 'oauth2:request_token', consumes: ['application/x-www-form-urlencoded'], response: { 200: TokenResponse } },
      handler: async (request, reply) => {
        const token = await transaction(db, (trx) => service.requestToken(trx, authenticator, config, endpointRequest(request)));
        return reply.headers(NO_STORE).send(token);
      },
    });

    forms.post('/v1/oauth2/revoke', {
      schema: { tags: ['oauth2'], summary: 'Revoke Token', operationId: 'oauth2:revoke_token', consumes: ['application/x-www-form-urlencoded'] },
      handler: async (request, reply) => {
        const body = await transaction(db, (trx) => service.revokeToken(trx, authenticator, endpointRequest(request)));
        return reply.headers(NO_STORE).send(body);
      },
    });

    forms.post('/v1/oauth2/introspect', {
      schema: { tags: ['oauth2'], summary: 'Introspect Token', operationId: 'oauth2:introspect_token', consumes: ['application/x-www-form-urlencoded'], response: { 200: IntrospectTokenResponse } },
      handler: async (request, reply) => {
        const body = await transaction(db, (trx) => service.introspectToken(trx, authenticator, config, endpointRequest(request)));
        return reply.headers(NO_STORE).send(body);
      },
    });

    forms.post('/v1/oauth2/userinfo', {
      schema: { hide: true },
      handler: (request) => service.userInfo(db, authenticator, request.headers.authorization),
    });

    // The consent page's form (private). A plain HTML form cannot send the CSRF header, so it
    // carries the session's CSRF token in a field; the header is accepted too.
    forms.post('/v1/oauth2/consent', {
      schema: { hide: true },
      handler: async (request, reply) => {
        const session = await sessionUser(request);
        if (!session) throw new Unauthorized();
        const form = formFields(request.body);
        if (!authenticator.isCsrfToken(session.token, form.csrf ?? request.headers[CSRF_HEADER])) throw new NotPermitted('Missing or invalid CSRF token.');
        const location = await transaction(db, (trx) => service.consent(trx, authenticator, form, session.user));
        return reply.redirect(location, 302);
      },
    });
  });

  app.get('/.well-known/openid-configuration', { schema: { hide: true } }, () => service.discoveryDocument(config));
  app.get('/.well-known/jwks.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-cache').send(await publicJwks(db)));
}
