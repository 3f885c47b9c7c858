// Floe past one process: `floe serve --no-worker` leaves background work to `floe worker`, and two
// API processes with two workers on one PostgreSQL lose nothing and do nothing twice while they are
// killed with SIGKILL and PostgreSQL is restarted (scripts/chaos.ts, in its short form).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { formatReport, runChaos } from '../../scripts/chaos.js';
import { runFloe } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/database.js';
import { until } from '../helpers/purchase.js';

const database = await createTestDatabase();
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await database.drop();
});

function startFloe(args: string[], environment: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['bin/floe.js', ...args], { env: { ...process.env, FLOE_LOG_LEVEL: 'warn', ...environment }, stdio: 'ignore' });
  children.push(child);
  return child;
}

describe('floe serve --no-worker', () => {
  test('serves the API but runs no background work: a confirmed checkout waits for a floe worker', async () => {
    const port = 21000 + Math.floor(Math.random() * 9000);
    const environment = { DATABASE_URL: database.url, PORT: String(port), FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-no-worker-')), FLOE_SECRET: 'no-worker-secret-0123456789' };
    const bootstrap = await runFloe(['bootstrap', '--email', 'roles@example.com', '--org-name', 'Roles', '--org-slug', 'roles', '--json'], environment);
    assert.equal(bootstrap.code, 0, bootstrap.stderr);
    const { token, organization_id: organizationId } = JSON.parse(bootstrap.stdout) as { token: string; organization_id: string };
    startFloe(['serve', '--no-worker'], environment);
    const base = `http://127.0.0.1:${port}`;
    await until(async () => (await fetch(`${base}/healthz`).catch(() => undefined))?.ok === true, 30_000);
    const post = async (path: string, body: object, auth = true) => {
      const response = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
      assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
      return (await response.json()) as Record<string, unknown>;
    };
    const product = await post('/v1/products/', { name: 'Roles e-book', organization_id: organizationId, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }] });
    const checkout = await post('/v1/checkouts/custom/', { product_price_id: (product.prices as { id: string }[])[0]!.id });
    await post(`/v1/checkouts/custom/client/${String(checkout.client_secret)}/confirm`, { customer_email: 'buyer@example.com', customer_name: 'Buyer', customer_billing_address: { country: 'US' }, confirmation_token_id: 'tok_visa' }, false);

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const status = async () => (await client.query<{ status: string }>('SELECT status FROM checkouts WHERE id = $1', [checkout.id])).rows[0]?.status;
      // The success job is queued; nothing in the API process takes it.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.equal(await status(), 'confirmed');
      assert.equal((await client.query('SELECT 1 FROM orders WHERE checkout_id = $1', [checkout.id])).rowCount, 0);
      startFloe(['worker'], environment);
      await until(async () => (await status()) === 'succeeded', 30_000);
      assert.equal((await client.query('SELECT 1 FROM orders WHERE checkout_id = $1', [checkout.id])).rowCount, 1);
    } finally {
      await client.end();
    }
  });
});

describe('processes under faults', () => {
  test('two API processes and two workers, SIGKILLed at random and PostgreSQL restarted: nothing lost, nothing doubled, 503 while PostgreSQL is away', { timeout: 600_000 }, async () => {
    const lines: string[] = [];
    const report = await runChaos({ seconds: 25, log: (line) => lines.push(`${new Date().toISOString().slice(11, 23)} ${line}`) });
    const summary = `${formatReport(report)}\n${lines.join('\n')}`;
    assert.deepEqual(report.violations, [], summary);
    assert.ok(report.killsByRole.api >= 1 && report.killsByRole.worker >= 1, summary);
    assert.ok(report.purchases.confirmed > 0 && report.purchases.renewalOrders > 0, summary);
    assert.ok((report.postgres.answersWhileDown['503'] ?? 0) > 0, summary);
    assert.ok(report.webhooks.deliveries > 0 && report.webhooks.lost === 0, summary);
  });
});
