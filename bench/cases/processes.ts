// Completed purchases per second with one `floe serve` process and with two on the same PostgreSQL,
// each process given its share of the host's cores (`taskset`, when installed): all of them for
// one process, half each for two. 20 buyers, as the purchases case (create, then confirm while
// listening on the checkout's stream until it has succeeded), spread evenly over the processes;
// each `floe serve` runs its own worker, so the work behind a purchase (its order) grows with the
// processes too. The two settings alternate over ROUNDS rounds on a database of their own; the CPU
// each part used (Floe, PostgreSQL, the buyers, the rest of the host) says what bounds the ratio.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { cpus } from 'node:os';
import { Authenticator, SCOPES } from '../../src/kit/auth.js';
import { openDatabase, transaction } from '../../src/kit/db.js';
import { createAccessToken } from '../../src/modules/access-token/service.js';
import { findOrCreateOrganization } from '../../src/modules/organization/service.js';
import { findOrCreateUser } from '../../src/modules/user/service.js';
import { buyFor, cpuSince, createBenchDatabase, freePortNumber, hostCpuSince, jsonRequest, postgresPids, type Measurement } from '../harness.js';
import type { BenchCase, CaseResult } from './types.js';

const BUYERS = 20;
const SECONDS = 10;
const WARM_UP_SECONDS = 3;
const ROUNDS = 2;

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The cores of share `index` of `shares`, as a taskset list ("0-3"); the whole host for one share. */
function coresOf(index: number, shares: number, total: number): string {
  const size = Math.max(1, Math.floor(total / shares));
  const first = Math.min(index * size, total - 1);
  const last = index === shares - 1 ? total - 1 : Math.min(first + size - 1, total - 1);
  return first === last ? String(first) : `${first}-${last}`;
}

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServers(count: number, databaseUrl: string, secret: string, pin: boolean): Promise<Server[]> {
  const total = cpus().length;
  return Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const port = freePortNumber();
      const floe = [process.execPath, 'bin/floe.js', 'serve'];
      const [command, ...args] = pin ? ['taskset', '-c', coresOf(index, count, total), ...floe] : floe;
      const child = spawn(command!, args, {
        env: { ...process.env, DATABASE_URL: databaseUrl, PORT: String(port), FLOE_SECRET: secret, FLOE_LOG_LEVEL: 'warn', FLOE_DATA_DIR: `/tmp/floe-bench-${port}` },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      const url = `http://127.0.0.1:${port}`;
      for (let attempt = 0; attempt < 300; attempt += 1) {
        if (child.exitCode !== null) throw new Error(`floe serve exited with ${child.exitCode}`);
        if ((await fetch(`${url}/healthz`).catch(() => undefined))?.ok) return { url, child };
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      throw new Error('floe serve did not become healthy');
    }),
  );
}

function stopServers(servers: Server[]): Promise<void[]> {
  return Promise.all(
    servers.map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
}

interface Run {
  purchasesPerSecond: number;
  latencies: number[];
  errors: number;
  /** CPU used during the measured seconds, in ms per purchase. */
  cpu: { floe: number; postgres: number; buyers: number; rest: number };
}

function buyAcross(seconds: number, servers: Server[], token: string, priceId: string, agent: Agent) {
  return buyFor(agent, { seconds, buyers: BUYERS, urlOf: (buyer) => servers[buyer % servers.length]!.url, token, priceId });
}

async function measureProcesses(count: number, databaseUrl: string, secret: string, token: string, priceId: string, pin: boolean): Promise<Run> {
  const servers = await startServers(count, databaseUrl, secret, pin);
  const agent = new Agent({ keepAlive: true, maxSockets: BUYERS * 2 });
  try {
    // Warm-up, not counted: each process compiles its code paths on first use.
    await buyAcross(WARM_UP_SECONDS, servers, token, priceId, agent);
    const floePids = servers.map(({ child }) => child.pid ?? 0);
    const databasePids = postgresPids();
    const floeCpu = cpuSince(floePids);
    const postgresCpu = cpuSince(databasePids);
    const buyersCpu = cpuSince([process.pid]);
    const hostCpu = hostCpuSince();
    const { latencies, errors, elapsed } = await buyAcross(SECONDS, servers, token, priceId, agent);
    // Backends started during the run count too (a pool that grew).
    const perPurchase = (ms: number) => ms / Math.max(1, latencies.length);
    const floe = floeCpu();
    const postgres = postgresCpu(postgresPids());
    const buyers = buyersCpu();
    const rest = hostCpu() - floe - postgres - buyers;
    return { purchasesPerSecond: latencies.length / elapsed, latencies, errors, cpu: { floe: perPurchase(floe), postgres: perPurchase(postgres), buyers: perPurchase(buyers), rest: rest / elapsed } };
  } finally {
    agent.destroy();
    await stopServers(servers);
  }
}

function measurementOf(name: string, runs: Run[]): Measurement {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const percentile = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
  return { name, requestsPerSecond: runs.reduce((total, run) => total + run.purchasesPerSecond, 0) / runs.length, p50: percentile(50), p99: percentile(99), errors: runs.reduce((total, run) => total + run.errors, 0), non2xx: 0 };
}

const format = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });

function cpuNote(runs: Run[]): string {
  const mean = (pick: (run: Run) => number) => runs.reduce((total, run) => total + pick(run), 0) / runs.length;
  return `CPU per purchase: Floe ${format(mean((run) => run.cpu.floe))} ms, PostgreSQL ${format(mean((run) => run.cpu.postgres))} ms, the buyers ${format(mean((run) => run.cpu.buyers))} ms; the rest of the host ${format(mean((run) => run.cpu.rest) / 1000)} cores busy`;
}

export const processesCase: BenchCase = {
  name: 'processes',
  async run({ secret }) {
    const pin = hasTaskset();
    const database = await createBenchDatabase();
    const handle = openDatabase(database.url, { max: 2 });
    try {
      const token = await transaction(handle.db, async (trx) => {
        const user = await findOrCreateUser(trx, 'processes@example.com');
        const organization = await findOrCreateOrganization(trx, user.id, { name: 'Processes', slug: 'processes' });
        return (await createAccessToken(trx, new Authenticator(handle.db, secret), { kind: 'organization', organizationId: organization.id }, { scopes: SCOPES })).token;
      });
      // The product is made through a first server, which then stops.
      const [setup] = await startServers(1, database.url, secret, false);
      const agent = new Agent({ keepAlive: false });
      const product = await jsonRequest(agent, `${setup!.url}/v1/products/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: { name: 'Bench e-book', prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1500, price_currency: 'usd' }] },
      });
      await stopServers([setup!]);
      const priceId = (product.prices as { id: string }[])[0]!.id;
      const one: Run[] = [];
      const two: Run[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        one.push(await measureProcesses(1, database.url, secret, token, priceId, pin));
        two.push(await measureProcesses(2, database.url, secret, token, priceId, pin));
      }
      const single = measurementOf(`purchases with 1 \`floe serve\`${pin ? ` (cores ${coresOf(0, 1, cpus().length)})` : ''}`, one);
      const double = measurementOf(`purchases with 2 \`floe serve\`${pin ? ` (cores ${coresOf(0, 2, cpus().length)} and ${coresOf(1, 2, cpus().length)})` : ''}`, two);
      const ratio = double.requestsPerSecond / single.requestsPerSecond;
      const rounds = (runs: Run[]) => runs.map((run) => format(run.purchasesPerSecond)).join(' and ');
      const results: CaseResult[] = [
        {
          measurement: single,
          target: 'the reference for the ratio',
          met: (_ratio, measurement) => measurement.errors === 0,
          note: `purchases/s in the req/s column, the mean of ${ROUNDS} rounds of ${SECONDS} s (${rounds(one)}); 20 buyers; ${cpuNote(one)}`,
        },
        {
          measurement: double,
          target: '2 processes ≥ 1 process',
          met: (_ratio, measurement) => measurement.errors === 0 && ratio >= 1,
          note: `${format(ratio)}× one process (rounds ${rounds(two)}; 10 buyers each); ${cpuNote(two)}; ${cpus().length} cores, ${pin ? 'each process pinned with taskset' : 'taskset not installed: processes not pinned'}, PostgreSQL and the buyers unpinned on the same cores`,
        },
      ];
      return results;
    } finally {
      await handle.close();
      await database.close();
    }
  },
};
