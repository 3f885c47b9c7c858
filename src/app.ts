// Builds the Fastify app: the platform (errors, limits, auth, OpenAPI, docs, health), then every
// module's token kinds and routes (src/modules.ts).
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { Authenticator } from './kit/auth.js';
import type { Context } from './kit/context.js';
import type { DatabaseHandle } from './kit/db.js';
import { createHttpServer, registerAuthentication, registerErrorHandling, type App } from './kit/http.js';
import { postgresRateLimitStore, redisRateLimitStore, registerRateLimits } from './kit/rate-limit.js';
import { openReadReplica, registerReadYourWrites } from './kit/read-replica.js';
import { MODULES } from './modules.js';
import { createStorage } from './storage/index.js';
import { TestPaymentProcessor } from './payments/test-processor.js';

/** `replica`: a streaming replica of the database (DATABASE_READ_URL) for the reads that may lag. */
export async function buildApp(config: Config, database: DatabaseHandle, replica?: DatabaseHandle): Promise<{ app: App; context: Context }> {
  const db = database.db;
  const app = createHttpServer({ logLevel: config.logLevel, requestTimeLimitMs: config.requestTimeLimitMs });
  const authenticator = new Authenticator(db, config.secret);
  for (const module of MODULES) module.tokens?.(authenticator);
  const reader = replica ? openReadReplica(database, replica) : undefined;
  const context: Context = { config, db, readDb: reader?.readDb ?? db, notifications: database.notifications, authenticator, storage: createStorage(config), payments: new TestPaymentProcessor(), log: app.log };

  registerErrorHandling(app);
  registerRateLimits(app, config.redisUrl ? redisRateLimitStore(config.redisUrl) : postgresRateLimitStore(db), config.rateLimits);
  registerAuthentication(app, authenticator);
  if (reader) registerReadYourWrites(app, reader);

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

  for (const module of MODULES) module.routes?.(app, context);
  return { app, context };
}
