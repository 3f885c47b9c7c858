import { Type } from '@sinclair/typebox';
import { MERCHANT, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { RATE_LIMITS } from '../../kit/rate-limit.js';
import { transaction } from '../../kit/db.js';
import { ValidationError } from '../../kit/errors.js';
import { merchantOf, type App } from '../../kit/http.js';
import { DateTime, Timestamps, UUID } from '../../kit/schemas.js';
import { presentCustomer } from '../customer/presenter.js';
import { Customer } from '../customer/schemas.js';
import { getCustomer } from '../customer/service.js';
import { ResourceNotFound } from '../../kit/errors.js';
import { createCustomerSessionToken } from './token.js';
import { authenticateCode, portalUrl, requestCode } from './code.js';

const CustomerSessionCreate = Type.Object({ customer_id: UUID });
const CustomerSession = Type.Object({
  ...Timestamps,
  id: UUID,
  token: Type.String(),
  expires_at: DateTime,
  customer_portal_url: Type.String(),
  customer_id: UUID,
  customer: Customer,
});

export function customerSessionRoutes(app: App, { db, config, authenticator }: Context): void {
  app.post('/v1/customer-sessions/', {
    schema: { tags: ['customer-sessions'], summary: 'Create Customer Session', operationId: 'customer-sessions:create', body: CustomerSessionCreate, response: { 201: CustomerSession } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('customer_sessions') } },
    handler: async (request, reply) => {
      const subject = merchantOf(request);
      const session = await transaction(db, async (trx) => {
        const customer = await getCustomer(trx, subject, request.body.customer_id).catch((error: unknown) => {
          if (error instanceof ResourceNotFound) throw new ValidationError(['body', 'customer_id'], 'Customer does not exist.', request.body.customer_id);
          throw error;
        });
        const organization = await trx.selectFrom('organizations').select('slug').where('id', '=', customer.organization_id).executeTakeFirstOrThrow();
        const created = await createCustomerSessionToken(trx, authenticator, customer.id);
        return { customer, organization, created };
      });
      const { customer, organization, created } = session;
      return reply.code(201).send({
        created_at: created.createdAt,
        modified_at: null,
        id: created.id,
        token: created.token,
        expires_at: created.expiresAt,
        // The portal signs the customer in with the token, as Polar's link does.
        customer_portal_url: `${portalUrl(config, organization.slug)}?customer_session_token=${created.token}`,
        customer_id: customer.id,
        customer: presentCustomer(customer),
      });
    },
  });
}

/** The portal's sign-in by e-mail (private endpoints of Polar's, used by the portal pages). */
export function customerSessionCodeRoutes(app: App, { db, config, authenticator }: Context): void {
  const tags = ['customer_portal'];
  app.post('/v1/customer-portal/customer-session/request', {
    schema: { tags, summary: 'Request Customer Session Code', hide: true, body: Type.Object({ email: Type.String({ format: 'email' }), organization_id: UUID }), response: { 202: Type.Null() } },
    config: { rateLimit: RATE_LIMITS.signInCodes },
    handler: async (request, reply) => {
      await transaction(db, (trx) => requestCode(trx, authenticator, config, request.body));
      return reply.code(202).send(null);
    },
  });

  app.post('/v1/customer-portal/customer-session/authenticate', {
    schema: { tags, summary: 'Authenticate Customer Session Code', hide: true, body: Type.Object({ code: Type.String() }), response: { 200: Type.Object({ token: Type.String() }) } },
    config: { rateLimit: RATE_LIMITS.signInAttempts },
    handler: async (request) => {
      const { token } = await transaction(db, (trx) => authenticateCode(trx, authenticator, request.body.code));
      return { token };
    },
  });
}
