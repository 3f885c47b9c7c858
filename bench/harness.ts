// Shared by the bench scripts: a PostgreSQL database for the run, child servers on loopback, and
// autocannon runs summarised as table rows.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, type Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import pg from 'pg';
import { migrate } from '../src/db/migrate.js';
import { adminQuery, findTestServer, withDatabase } from '../test/helpers/database.js';

export interface BenchDatabase {
  url: string;
  close(): Promise<void>;
}

/** A fresh, migrated database on the same server tests use (local PostgreSQL, else embedded). */
export async function createBenchDatabase(): Promise<BenchDatabase> {
  const server = await findTestServer();
  const name = `floe_bench_${randomBytes(4).toString('hex')}`;
  await adminQuery(server.url, `CREATE DATABASE ${name}`);
  const url = withDatabase(server.url, name);
  await migrate(url);
  return {
    url,
    async close() {
      await adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
      await server.embedded?.stop();
    },
  };
}

export interface ChildServer {
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** The baseline server (bench/baseline-server.ts), which prints its port as JSON. */
export async function startBaselineServer(databaseUrl: string): Promise<ChildServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/baseline-server.ts'], {
    env: { ...process.env, DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`baseline server exited with ${code}`)));
  });
  const { port } = JSON.parse(line) as { port: number };
  return { port, process: child, stop: () => stopChild(child) };
}

/** `floe serve` as a child process on the given database, waiting for /healthz. */
export async function startFloe(databaseUrl: string, port: number, environment: Record<string, string> = {}): Promise<ChildServer> {
  const child = spawn(process.execPath, ['bin/floe.js', 'serve'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), FLOE_LOG_LEVEL: 'warn', FLOE_DATA_DIR: `/tmp/floe-bench-${port}`, ...environment },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (response.ok) return { port, process: child, stop: () => stopChild(child) };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`floe exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('floe did not become healthy');
}

/**
 * `floe worker` as a child process on the given database. Its connections carry `name` as their
 * application_name, so pg_stat_activity tells when it is up: it answers once one of them is seen.
 */
export async function startFloeWorker(databaseUrl: string, name: string, environment: Record<string, string> = {}): Promise<{ process: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['bin/floe.js', 'worker'], {
    env: { ...process.env, DATABASE_URL: databaseUrl, PGAPPNAME: name, FLOE_LOG_LEVEL: 'warn', FLOE_DATA_DIR: `/tmp/${name}`, ...environment },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let attempt = 0; attempt < 150; attempt++) {
      const { rows } = await client.query('SELECT 1 FROM pg_stat_activity WHERE application_name = $1', [name]);
      if (rows.length > 0) return { process: child, stop: () => stopChild(child) };
      if (child.exitCode !== null) throw new Error(`floe worker exited with ${child.exitCode}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await client.end();
  }
  await stopChild(child);
  throw new Error('floe worker did not connect');
}

/** Linux's clock ticks (USER_HZ), the unit of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

/** CPU time (user and system) the process has used so far, in ms; 0 for a process gone. */
export function cpuMsOf(pid: number): number {
  try {
    // The fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/**
 * Takes the processes' CPU times now; answers how much CPU the processes given later (the same
 * ones by default) have used since, in ms. A process started meanwhile counts from its start.
 */
export function cpuSince(pids: readonly number[]): (later?: readonly number[]) => number {
  const before = new Map(pids.map((pid) => [pid, cpuMsOf(pid)]));
  return (later = pids) => later.reduce((total, pid) => total + cpuMsOf(pid) - (before.get(pid) ?? 0), 0);
}

/** The CPU the whole host has been busy since the call (all but idle and I/O wait), in ms. */
export function hostCpuSince(): () => number {
  const busy = () => {
    // The first line of /proc/stat: user nice system idle iowait irq softirq steal, in ticks.
    const ticks = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
    return ((ticks.reduce((total, value) => total + value, 0) - (ticks[3] ?? 0) - (ticks[4] ?? 0)) * 1000) / TICKS_PER_SECOND;
  };
  const before = busy();
  return () => busy() - before;
}

/** The processes of the PostgreSQL server on this host (its backends and its background workers). */
export function postgresPids(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
      } catch {
        return false;
      }
    })
    .map(Number);
}

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface MeasureOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  connections?: number;
  seconds?: number;
  requests?: autocannon.Request[];
}

export async function measure(name: string, options: MeasureOptions): Promise<Measurement> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 50,
    duration: options.seconds ?? 10,
    requests: options.requests,
  });
  return {
    name,
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
  };
}

/** A port for a child server: below the kernel's ephemeral range (32768 and up), so no outgoing connection holds it. */
export function freePortNumber(): number {
  return 20000 + Math.floor(Math.random() * 12000);
}

/**
 * pgbench's TPC-B-like transactions per second on the same PostgreSQL (scale 1, 20 clients,
 * prepared statements), the database's own ceiling for small write transactions. Null when the
 * pgbench binary is not installed.
 */
export async function measurePgbench(seconds = 10): Promise<number | null> {
  const server = await findTestServer();
  const name = `floe_pgbench_${randomBytes(4).toString('hex')}`;
  await adminQuery(server.url, `CREATE DATABASE ${name}`);
  const url = withDatabase(server.url, name);
  const run = (args: string[]) =>
    new Promise<string | null>((resolve) => {
      const child = spawn('pgbench', [...args, url], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('error', () => resolve(null));
      child.once('exit', (code) => resolve(code === 0 ? output : null));
    });
  try {
    if ((await run(['-i', '-s', '1', '-q'])) === null) return null;
    const output = await run(['-c', '20', '-j', '2', '-M', 'prepared', '-T', String(seconds)]);
    const tps = output?.match(/tps = ([\d.]+)/);
    return tps ? Number(tps[1]) : null;
  } finally {
    await adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await server.embedded?.stop();
  }
}

/**
 * A JSON request over keep-alive connections with node:http: the bench's own client must cost
 * little, since it runs on the same cores as what it measures (fetch costs several times more).
 */
export function jsonRequest(agent: Agent, url: string, options: { method?: string; headers?: Record<string, string>; body?: unknown } = {}): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const request = httpRequest(url, { agent, method: options.method ?? 'GET', headers: { ...options.headers, ...(body ? { 'content-type': 'application/json' } : {}) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((response.statusCode ?? 0) >= 300) return reject(new Error(`${response.statusCode} ${text}`));
        try {
          resolve(JSON.parse(text) as Record<string, unknown>);
        } catch (error) {
          reject(error as Error);
        }
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Opens a server-sent event stream over `agent` and answers, once its headers arrived, a promise of
 * the first event `until` accepts. Floe ends a checkout's stream once its status is final, and the
 * connection then serves the agent's next request.
 */
export function openEventStream(agent: Agent, url: string, until: (event: Record<string, unknown>) => boolean): Promise<{ event: Promise<Record<string, unknown>> }> {
  return new Promise((opened, failed) => {
    const request = httpRequest(url, { agent }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        return failed(new Error(`stream answered ${response.statusCode}`));
      }
      response.setEncoding('utf8');
      const event = new Promise<Record<string, unknown>>((resolve, reject) => {
        let buffered = '';
        let found = false;
        response.on('data', (chunk: string) => {
          buffered += chunk;
          let end: number;
          while (!found && (end = buffered.indexOf('\n\n')) >= 0) {
            const message = buffered.slice(0, end);
            buffered = buffered.slice(end + 2);
            for (const line of message.split('\n')) {
              if (!line.startsWith('data: ')) continue;
              const parsed = JSON.parse(line.slice(6)) as Record<string, unknown>;
              if (until(parsed)) {
                found = true;
                resolve(parsed);
              }
            }
          }
        });
        response.on('error', reject);
        response.on('close', () => reject(new Error('stream ended before the event')));
      });
      event.catch(() => {});
      opened({ event });
    });
    request.on('error', failed);
    request.end();
  });
}

/**
 * Buyers in a loop for `seconds`, as Polar's checkout page buys: create a checkout (merchant API),
 * listen on its stream, confirm with a test card, wait for the success. Buyer `n` talks to
 * `urlOf(n)` (one Floe, or several behind a pretend load balancer).
 */
export async function buyFor(
  agent: Agent,
  options: { seconds: number; buyers: number; urlOf: (buyer: number) => string; token: string; priceId: string },
): Promise<{ latencies: number[]; errors: number; elapsed: number }> {
  const authorization = { authorization: `Bearer ${options.token}` };
  const latencies: number[] = [];
  let errors = 0;
  const deadline = Date.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.buyers }, async (_, buyer) => {
      const floeUrl = options.urlOf(buyer);
      while (Date.now() < deadline) {
        const begin = performance.now();
        try {
          const checkout = await jsonRequest(agent, `${floeUrl}/v1/checkouts/custom/`, { method: 'POST', headers: authorization, body: { product_price_id: options.priceId } });
          const client = `${floeUrl}/v1/checkouts/custom/client/${checkout.client_secret as string}`;
          const stream = await openEventStream(agent, `${client}/stream`, (event) => (event.payload as { status?: string }).status === 'succeeded');
          await jsonRequest(agent, `${client}/confirm`, {
            method: 'POST',
            body: { customer_email: `buyer${buyer}@example.com`, customer_name: 'Bench Buyer', customer_billing_address: { country: 'US' }, confirmation_token_id: 'tok_visa' },
          });
          await stream.event;
          latencies.push(performance.now() - begin);
        } catch {
          errors++;
        }
      }
    }),
  );
  return { latencies, errors, elapsed: (performance.now() - started) / 1000 };
}
