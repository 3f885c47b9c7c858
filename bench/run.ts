// `npm run bench`: measures Floe on loopback against bare-Fastify baselines measured in the same run
// on the same PostgreSQL, and writes bench/RESULTS.md. `npm run bench -- <case names>` runs some cases.
import { cpus } from 'node:os';
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import { SCOPES, Authenticator } from '../src/kit/auth.js';
import { openDatabase, transaction } from '../src/kit/db.js';
import { createAccessToken } from '../src/modules/access-token/service.js';
import { findOrCreateOrganization } from '../src/modules/organization/service.js';
import { findOrCreateUser } from '../src/modules/user/service.js';
import { createBenchDatabase, freePortNumber, measure, startBaselineServer, startFloe, type Measurement, type MeasureOptions } from './harness.js';
import { organizationCase } from './cases/organizations.js';
import { productCase } from './cases/products.js';
import { purchaseCase } from './cases/purchases.js';
import { webhookCase } from './cases/webhooks.js';
import { licenseKeyCase } from './cases/license-keys.js';
import { renewalCase } from './cases/renewals.js';
import { metricsCase } from './cases/metrics.js';
import { processesCase } from './cases/processes.js';
import type { Baseline, BenchCase, CaseResult } from './cases/types.js';

/** Rounds of a case measured against its baseline (baseline, case, …), and the length of each measurement. */
const PAIRED_ROUNDS = 3;
const PAIRED_SECONDS = 5;

const CASES: BenchCase[] = [organizationCase, productCase, purchaseCase, webhookCase, licenseKeyCase, renewalCase, metricsCase, processesCase];

const only = process.argv.slice(2);
const cases = only.length > 0 ? CASES.filter((benchCase) => only.includes(benchCase.name)) : CASES;

const database = await createBenchDatabase();
const handle = openDatabase(database.url, { max: 10 });
const secret = 'bench-secret-0123456789abcdef';
const rows: { result: CaseResult; ratio?: number }[] = [];
const baselines = new Map<Baseline, Measurement>();

try {
  const baselineServer = await startBaselineServer(database.url);
  const base = `http://127.0.0.1:${baselineServer.port}`;
  await measure('warm-up', { url: `${base}/select`, seconds: 2 });
  baselines.set('empty', await measure('baseline: bare route `{}`', { url: `${base}/empty` }));
  baselines.set('select', await measure('baseline: one primary-key SELECT', { url: `${base}/select` }));
  baselines.set('update', await measure('baseline: one single-row UPDATE', { url: `${base}/update`, method: 'POST' }));
  const baselineRequest: Record<Baseline, MeasureOptions> = {
    empty: { url: `${base}/empty` },
    select: { url: `${base}/select` },
    update: { url: `${base}/update`, method: 'POST' },
  };
  // The baseline server stays up (idle) for the cases measured against it in rounds.
  const measureAgainst = async (baseline: Baseline, name: string, options: MeasureOptions) => {
    const rounds: { measurement: Measurement; baseline: Measurement; ratio: number }[] = [];
    for (let round = 0; round < PAIRED_ROUNDS; round += 1) {
      const reference = await measure(`${baseline} (round ${round + 1})`, { ...baselineRequest[baseline], seconds: PAIRED_SECONDS });
      const measurement = await measure(name, { ...options, seconds: PAIRED_SECONDS });
      rounds.push({ measurement, baseline: reference, ratio: measurement.requestsPerSecond / reference.requestsPerSecond });
    }
    rounds.sort((a, b) => a.ratio - b.ratio);
    return rounds[Math.floor(rounds.length / 2)]!;
  };

  const authenticator = new Authenticator(handle.db, secret);
  const merchant = await transaction(handle.db, async (trx) => {
    const user = await findOrCreateUser(trx, 'bench@example.com');
    const organization = await findOrCreateOrganization(trx, user.id, { name: 'Bench', slug: 'bench' });
    const { token } = await createAccessToken(trx, authenticator, { kind: 'personal', userId: user.id }, { scopes: SCOPES });
    return { userId: user.id, organizationId: organization.id, token };
  });
  const port = freePortNumber();
  // Webhook receivers of the bench listen on loopback.
  const floe = await startFloe(database.url, port, { FLOE_SECRET: secret, FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
  const environment = { floeUrl: `http://127.0.0.1:${port}`, db: handle.db, databaseUrl: database.url, secret, merchant, measureAgainst };
  try {
    for (const benchCase of cases) {
      process.stderr.write(`bench: ${benchCase.name}\n`);
      for (const result of await benchCase.run(environment)) {
        const baseline = result.baseline ? baselines.get(result.baseline) : undefined;
        const ratio = result.paired ? result.paired.ratio : baseline ? result.measurement.requestsPerSecond / baseline.requestsPerSecond : undefined;
        rows.push({ result, ratio });
      }
    }
  } finally {
    await floe.stop();
    await baselineServer.stop();
  }

  const postgresVersion = (await sql<{ server_version: string }>`SHOW server_version`.execute(handle.db)).rows[0]?.server_version;
  const format = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: 1 });
  const lines = [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}),`,
    `Node.js ${process.version}, PostgreSQL ${postgresVersion}. autocannon on loopback, 50 connections, 10 s per case unless noted;`,
    'Floe runs as one `floe serve` process; baselines are bare Fastify routes on the same PostgreSQL with the same pool size.',
    `A "paired" ratio is the median of ${PAIRED_ROUNDS} rounds of ${PAIRED_SECONDS} s each measuring the baseline, then the case, one after the other (this host's speed drifts).`,
    '',
    '| case | req/s | p50 ms | p99 ms | baseline | ratio | target | met |',
    '| --- | ---: | ---: | ---: | --- | ---: | --- | --- |',
    ...[...baselines.values()].map((m) => `| ${m.name} | ${format(m.requestsPerSecond)} | ${m.p50} | ${m.p99} | | | | |`),
    ...rows.map(({ result, ratio }) => {
      const m = result.measurement;
      const errors = m.errors + m.non2xx > 0 ? ` (${m.errors} errors, ${m.non2xx} non-2xx)` : '';
      return `| ${m.name}${errors} | ${format(m.requestsPerSecond)} | ${m.p50} | ${m.p99} | ${result.baseline ?? ''}${result.paired ? ` (paired: ${format(result.paired.baseline.requestsPerSecond)} req/s)` : ''} | ${ratio === undefined ? '' : `${Math.round(ratio * 100)}%`} | ${result.target} | ${result.met(ratio, m) ? 'yes' : 'no'} |`;
    }),
    '',
    ...rows.filter(({ result }) => result.note).map(({ result }) => `- ${result.measurement.name}: ${result.note}`),
  ];
  writeFileSync('bench/RESULTS.md', `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await handle.close();
  await database.close();
}
