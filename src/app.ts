// Builds the Fastify app: the platform (errors, auth, OpenAPI, docs, health), then each module's routes.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { Authenticator } from './kit/auth.js';
import type { Context } from './kit/context.js';
import type { DatabaseHandle } from './kit/db.js';
import { createHttpServer, registerAuthentication, registerErrorHandling, type App } from './kit/http.js';
import { registerAccessTokenResolvers } from './modules/access-token/service.js';
import { registerCustomerSessionResolver } from './modules/customer-session/token.js';
import { registerUserSessionResolver } from './modules/user-session/service.js';
import { organizationRoutes } from './modules/organization/routes.js';
import { userRoutes } from './modules/user/routes.js';
import { productRoutes } from './modules/product/routes.js';
import { fileRoutes } from './modules/file/routes.js';
import { customerRoutes } from './modules/customer/routes.js';
import { checkoutRoutes } from './modules/checkout/routes.js';
import { checkoutLinkRoutes } from './modules/checkout-link/routes.js';
import { orderRoutes } from './modules/order/routes.js';
import { subscriptionRoutes } from './modules/subscription/routes.js';
import { customerSessionCodeRoutes, customerSessionRoutes } from './modules/customer-session/routes.js';
import { webhookRoutes } from './modules/webhook/routes.js';
import { checkoutPages } from './pages/checkout.js';
import { portalPages } from './pages/portal.js';
import { dashboardPages } from './pages/dashboard.js';
import { benefitRoutes } from './modules/benefit/routes.js';
import { customFieldRoutes } from './modules/custom-field/routes.js';
import { discountRoutes } from './modules/discount/routes.js';
import { customerLicenseKeyRoutes, licenseKeyRoutes } from './modules/license-key/routes.js';
import { downloadableRoutes } from './modules/downloadable/routes.js';
import { customerPortalRoutes } from './modules/customer-portal/routes.js';
import { advertisementRoutes } from './modules/advertisement/routes.js';
import { metricsRoutes } from './modules/metrics/routes.js';
import { testClockRoutes } from './modules/test-clock/routes.js';
import { externalOrganizationRoutes } from './modules/external-organization/routes.js';
import { repositoryRoutes } from './modules/repository/routes.js';
import { createStorage } from './storage/index.js';
import { TestPaymentProcessor } from './payments/test-processor.js';

/** Each module's routes, in the order they appear in the API reference. */
const MODULE_ROUTES: ((app: App, context: Context) => void)[] = [
  userRoutes,
  organizationRoutes,
  productRoutes,
  benefitRoutes,
  customFieldRoutes,
  discountRoutes,
  fileRoutes,
  customerRoutes,
  customerSessionRoutes,
  customerSessionCodeRoutes,
  checkoutRoutes,
  checkoutLinkRoutes,
  orderRoutes,
  subscriptionRoutes,
  licenseKeyRoutes,
  customerLicenseKeyRoutes,
  downloadableRoutes,
  customerPortalRoutes,
  advertisementRoutes,
  webhookRoutes,
  metricsRoutes,
  externalOrganizationRoutes,
  repositoryRoutes,
  testClockRoutes,
  checkoutPages,
  portalPages,
  dashboardPages,
];

export async function buildApp(config: Config, database: DatabaseHandle): Promise<{ app: App; context: Context }> {
  const db = database.db;
  const app = createHttpServer({ logLevel: config.logLevel });
  const authenticator = new Authenticator(db, config.secret);
  registerAccessTokenResolvers(authenticator);
  registerCustomerSessionResolver(authenticator);
  registerUserSessionResolver(authenticator);
  const context: Context = { config, db, notifications: database.notifications, authenticator, storage: createStorage(config), payments: new TestPaymentProcessor(), log: app.log };

  registerErrorHandling(app);
  registerAuthentication(app, authenticator);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Floe', description: 'A self-hostable server for the Polar API.', version: '0.1.0' },
      servers: [{ url: config.baseUrl }],
      components: { securitySchemes: { access_token: { type: 'http', scheme: 'bearer' } } },
      security: [{ access_token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  app.get('/openapi.json', { schema: { hide: true } }, () => app.swagger());
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(db);
      return { status: 'ok' };
    } catch {
      return reply.code(503).send({ status: 'unavailable' });
    }
  });

  for (const routes of MODULE_ROUTES) routes(app, context);
  return { app, context };
}
