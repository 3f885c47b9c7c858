import { MERCHANT, readScopes, writeScopes } from '../../kit/auth.js';
import type { Context } from '../../kit/context.js';
import { RATE_LIMITS } from '../../kit/rate-limit.js';
import { transaction } from '../../kit/db.js';
import { customerOf, merchantOf, type App } from '../../kit/http.js';
import { IdParams } from '../../kit/schemas.js';
import { ListResource } from '../../kit/pagination.js';
import {
  ActivationParams,
  CustomerLicenseKeyListQuery,
  LicenseKeyActivate,
  LicenseKeyActivationRead,
  LicenseKeyDeactivate,
  LicenseKeyListQuery,
  LicenseKeyRead,
  LicenseKeyUpdate,
  LicenseKeyValidate,
  LicenseKeyWithActivations,
  ListResourceLicenseKeyRead,
  ValidatedLicenseKey,
} from './schemas.js';
import * as service from './service.js';

const CUSTOMER = ['customer'] as const;

export function licenseKeyRoutes(app: App, { db, readDb }: Context): void {
  const tags = ['license_keys'];
  app.get('/v1/license-keys', {
    schema: { tags, summary: 'List License Keys', operationId: 'license_keys:list', querystring: LicenseKeyListQuery, response: { 200: ListResourceLicenseKeyRead } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('license_keys') } },
    handler: (request) => service.listLicenseKeys(readDb, merchantOf(request), request.query),
  });

  app.get('/v1/license-keys/:id', {
    schema: { tags, summary: 'Get License Key', operationId: 'license_keys:get', params: IdParams, response: { 200: LicenseKeyWithActivations } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('license_keys') } },
    handler: (request) => service.getLicenseKey(db, merchantOf(request), request.params.id),
  });

  app.patch('/v1/license-keys/:id', {
    schema: { tags, summary: 'Update License Key', operationId: 'license_keys:update', params: IdParams, body: LicenseKeyUpdate, response: { 200: LicenseKeyRead } },
    config: { auth: { subjects: MERCHANT, scopes: writeScopes('license_keys') } },
    handler: (request) => transaction(db, (trx) => service.updateLicenseKey(trx, merchantOf(request), request.params.id, request.body)),
  });

  app.get('/v1/license-keys/:id/activations/:activation_id', {
    schema: { tags, summary: 'Get Activation', operationId: 'license_keys:get_activation', params: ActivationParams, response: { 200: LicenseKeyActivationRead } },
    config: { auth: { subjects: MERCHANT, scopes: readScopes('license_keys') } },
    handler: (request) => service.getActivation(db, merchantOf(request), request.params.id, request.params.activation_id),
  });
}

export function customerLicenseKeyRoutes(app: App, { db, readDb }: Context): void {
  const tags = ['customer_portal'];
  const validations = service.createValidationBatcher(db);
  app.get('/v1/customer-portal/license-keys/', {
    schema: { tags, summary: 'List License Keys', operationId: 'customer_portal:license_keys:list', querystring: CustomerLicenseKeyListQuery, response: { 200: ListResource(LicenseKeyRead) } },
    config: { auth: { subjects: CUSTOMER, scopes: readScopes('customer_portal') } },
    handler: (request) => service.listCustomerLicenseKeys(readDb, customerOf(request), request.query),
  });

  app.get('/v1/customer-portal/license-keys/:id', {
    schema: { tags, summary: 'Get License Key', operationId: 'customer_portal:license_keys:get', params: IdParams, response: { 200: LicenseKeyWithActivations } },
    config: { auth: { subjects: CUSTOMER, scopes: readScopes('customer_portal') } },
    handler: (request) => service.getCustomerLicenseKey(db, customerOf(request), request.params.id),
  });

  // Public: the key itself is the credential, as Polar's.
  app.post('/v1/customer-portal/license-keys/validate', {
    schema: { tags, summary: 'Validate License Key', operationId: 'customer_portal:license_keys:validate', body: LicenseKeyValidate, response: { 200: ValidatedLicenseKey } },
    config: { rateLimit: RATE_LIMITS.licenseKeys },
    handler: (request) => service.validateLicenseKey(db, validations, request.body),
  });

  app.post('/v1/customer-portal/license-keys/activate', {
    schema: { tags, summary: 'Activate License Key', operationId: 'customer_portal:license_keys:activate', body: LicenseKeyActivate, response: { 200: LicenseKeyActivationRead } },
    config: { rateLimit: RATE_LIMITS.licenseKeys },
    handler: (request) => transaction(db, (trx) => service.activateLicenseKey(trx, request.body)),
  });

  app.post('/v1/customer-portal/license-keys/deactivate', {
    schema: { tags, summary: 'Deactivate License Key', operationId: 'customer_portal:license_keys:deactivate', body: LicenseKeyDeactivate, response: { 204: { type: 'null' } } },
    config: { rateLimit: RATE_LIMITS.licenseKeys },
    handler: async (request, reply) => {
      await transaction(db, (trx) => service.deactivateLicenseKey(trx, request.body));
      return reply.code(204).send();
    },
  });
}
