// A worker killed with SIGKILL in the middle of deliveries loses nothing: after a restart every
// event is delivered (an event cut off mid-send is sent again once its lease has passed).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { transaction } from '../../../src/kit/db.js';
import { recordEvent } from '../../../src/kit/events.js';
import { startTestApp } from '../../helpers/app.js';
import { startReceiver, until } from './receiver.js';

const floe = await startTestApp({ FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
const receiver = await startReceiver();
const children: ChildProcess[] = [];
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await receiver.close();
});

function startWorkerProcess(): ChildProcess {
  const child = spawn(process.execPath, ['bin/floe.js', 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: floe.config.databaseUrl,
      FLOE_DATA_DIR: mkdtempSync(join(tmpdir(), 'floe-worker-')),
      FLOE_SECRET: floe.config.secret,
      FLOE_LOG_LEVEL: 'error',
      FLOE_WEBHOOK_ALLOW_PRIVATE_URLS: 'true',
      FLOE_WEBHOOK_RETRY_BASE_MS: '100',
      // An attempt cut off by the kill is retried after this plus 5 s.
      FLOE_WEBHOOK_TIMEOUT_MS: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

test('a worker killed mid-delivery delivers every event after a restart', { timeout: 60_000 }, async () => {
  const merchant = await floe.createMerchant();
  const response = await fetch(`${floe.baseUrl}/v1/webhooks/endpoints`, {
    method: 'POST',
    headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ url: receiver.url, format: 'raw', secret: 'crash-secret', events: ['product.created'], organization_id: merchant.organizationId }),
  });
  assert.equal(response.status, 201);
  // Slow answers keep deliveries in flight when the worker dies.
  receiver.answer = () => ({ status: 200, delayMs: 150 });
  await transaction(floe.db, async (trx) => {
    for (let index = 0; index < 300; index++) await recordEvent(trx, merchant.organizationId, 'product.created', () => ({ id: `product-${index}` }));
  });

  const first = startWorkerProcess();
  await until(() => receiver.received.length >= 20, 20_000, 'deliveries under way');
  first.kill('SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  const deliveredBeforeRestart = await floe.db.selectFrom('webhook_events').select('id').where('succeeded', '=', true).execute();
  assert.ok(deliveredBeforeRestart.length < 300, 'the kill came before the end');

  startWorkerProcess();
  await until(async () => {
    const pending = await floe.db.selectFrom('webhook_events').select('id').where((eb) => eb.or([eb('succeeded', 'is', null), eb('succeeded', '=', false)])).execute();
    const total = await floe.db.selectFrom('webhook_events').select('id').execute();
    return total.length === 300 && pending.length === 0;
  }, 40_000, 'every event delivered');

  const received = new Set(receiver.received.map((request) => (JSON.parse(request.body) as { data: { id: string } }).data.id));
  assert.equal(received.size, 300);
  const webhookIds = new Set(receiver.received.map((request) => request.headers['webhook-id']));
  assert.equal(webhookIds.size, 300);
});
