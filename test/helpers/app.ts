// The app harness: a real Floe on a fresh database, listening on loopback, driven through the
// official SDK. Nothing of Floe's is mocked.
import { after } from 'node:test';
import { Polar } from '@polar-sh/sdk';
import { buildApp } from '../../src/app.js';
import { readConfig, type Config } from '../../src/config.js';
import type { Scope } from '../../src/kit/auth.js';
import type { Context } from '../../src/kit/context.js';
import { openDatabase, transaction, type Database } from '../../src/kit/db.js';
import type { App } from '../../src/kit/http.js';
import { createAccessToken } from '../../src/modules/access-token/service.js';
import { findOrCreateOrganization } from '../../src/modules/organization/service.js';
import { findOrCreateUser } from '../../src/modules/user/service.js';
import { WEBHOOK_EVENT_TYPES } from '../../src/modules/webhook/schemas.js';
import type { FloeModule } from '../../src/kit/module.js';
import { MODULES } from '../../src/modules.js';
import { startWorker, type RunningWorker } from '../../src/worker.js';
import { createTestDatabase } from './database.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

export interface TestApp {
  app: App;
  context: Context;
  db: Database;
  config: Config;
  /** e.g. http://127.0.0.1:PORT */
  baseUrl: string;
  /** The official SDK pointed at this Floe. */
  sdk(token?: string): Polar;
  /**
   * A user and an organization they belong to, with a personal token. `keepEvents`: the organization
   * gets a webhook endpoint taking every event type, so its events are kept in the outbox (Floe,
   * as Polar, keeps only events an endpoint takes); nothing answers at its address.
   */
  createMerchant(options?: { scopes?: readonly Scope[]; slug?: string; keepEvents?: boolean }): Promise<Merchant>;
  /** An organization token (polar_oat_) for an organization. */
  createOrganizationToken(organizationId: string, scopes?: readonly Scope[]): Promise<string>;
  /** A worker of Floe's modules, and of `extraModules` (a test's own jobs). */
  startWorker(extraModules?: readonly FloeModule[]): RunningWorker;
  /** Calls the HTTP API with a bearer token and a JSON body (for operations the SDK does not have). */
  call(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface Merchant {
  userId: string;
  organizationId: string;
  token: string;
  sdk: Polar;
}

/** Starts Floe for the current test file; stopped automatically after the file's tests. */
export async function startTestApp(environment: Record<string, string> = {}): Promise<TestApp> {
  // A test that brings its own migrated database (one with a replica) names it in DATABASE_URL, and drops it itself.
  const database = environment.DATABASE_URL ? { url: environment.DATABASE_URL, drop: async () => {} } : await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'floe-app-'));
  const config = readConfig({ FLOE_DATA_DIR: dataDir, DATABASE_URL: database.url, PORT: '0', FLOE_LOG_LEVEL: process.env.FLOE_LOG_LEVEL ?? 'silent', ...environment });
  const handle = openDatabase(database.url, { max: 10 });
  const replica = config.databaseReadUrl ? openDatabase(config.databaseReadUrl, { max: 10 }) : undefined;
  const { app, context } = await buildApp(config, handle, replica);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://127.0.0.1:${port}`;
  // Links Floe renders point at this server.
  config.baseUrl = baseUrl;
  const workers: RunningWorker[] = [];
  let closed = false;

  const sdk = (token?: string) => new Polar({ accessToken: token, serverURL: baseUrl });

  const testApp: TestApp = {
    app,
    context,
    db: handle.db,
    config,
    baseUrl,
    sdk,
    async createMerchant(options = {}) {
      const suffix = randomBytes(4).toString('hex');
      const merchant = await transaction(handle.db, async (trx) => {
        const user = await findOrCreateUser(trx, `merchant-${suffix}@example.com`);
        const organization = await findOrCreateOrganization(trx, user.id, { name: `Org ${suffix}`, slug: options.slug ?? `org-${suffix}` });
        const { token } = await createAccessToken(trx, context.authenticator, { kind: 'personal', userId: user.id }, { scopes: options.scopes });
        return { userId: user.id, organizationId: organization.id, token, sdk: sdk(token) };
      });
      if (options.keepEvents) {
        // Webhook endpoints are not in SDK 0.21: through the HTTP API.
        const response = await fetch(`${baseUrl}/v1/webhooks/endpoints`, {
          method: 'POST',
          headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: 'https://hooks.example.invalid/floe', format: 'raw', secret: 'test-secret', events: WEBHOOK_EVENT_TYPES, organization_id: merchant.organizationId }),
        });
        if (response.status !== 201) throw new Error(`webhook endpoint: ${response.status} ${await response.text()}`);
      }
      return merchant;
    },
    async createOrganizationToken(organizationId, scopes) {
      const { token } = await transaction(handle.db, (trx) =>
        createAccessToken(trx, context.authenticator, { kind: 'organization', organizationId }, { scopes }),
      );
      return token;
    },
    async call(token, method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : null };
    },
    startWorker(extraModules = []) {
      const worker = startWorker(context, [...MODULES, ...extraModules]);
      workers.push(worker);
      return worker;
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const worker of workers) await worker.stop();
      await app.close();
      await replica?.close();
      await handle.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  after(() => testApp.close());
  return testApp;
}
