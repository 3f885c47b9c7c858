// Webhook deliveries per second, from the outbox to a local receiver answering 200: 1,000 events
// committed at once for an organization with 10 subscribed endpoints (10,000 deliveries), and
// the time from the commit to each receipt.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { transaction } from '../../src/kit/db.js';
import { recordEvent } from '../../src/kit/events.js';
import type { Measurement } from '../harness.js';
import type { BenchCase } from './types.js';

const EVENTS = 1000;
const ENDPOINTS = 10;

export const webhookCase: BenchCase = {
  name: 'webhooks',
  async run({ floeUrl, db, merchant }) {
    const receipts: number[] = [];
    let committedAt = 0;
    let resolveAll: () => void = () => {};
    const all = new Promise<void>((resolve) => (resolveAll = resolve));
    const server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        receipts.push(performance.now() - committedAt);
        response.writeHead(200).end();
        if (receipts.length === EVENTS * ENDPOINTS) resolveAll();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    try {
      for (let index = 0; index < ENDPOINTS; index++) {
        const response = await fetch(`${floeUrl}/v1/webhooks/endpoints`, {
          method: 'POST',
          headers: { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url: `http://127.0.0.1:${port}/hook/${index}`, format: 'raw', secret: `secret-${index}`, events: ['benefit.created'], organization_id: merchant.organizationId }),
        });
        if (response.status !== 201) throw new Error(`endpoint: ${response.status} ${await response.text()}`);
      }
      await transaction(db, async (trx) => {
        for (let index = 0; index < EVENTS; index++) await recordEvent(trx, merchant.organizationId, 'benefit.created', () => ({ id: `bench-${index}`, description: 'Bench benefit' }));
      });
      committedAt = performance.now();
      await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 120_000))]);
    } finally {
      server.close();
    }
    const elapsed = Math.max(...receipts) / 1000;
    const sorted = [...receipts].sort((a, b) => a - b);
    const percentile = (p: number) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
    const measurement: Measurement = {
      name: `webhook deliveries (${EVENTS.toLocaleString('en-US')} events × ${ENDPOINTS} endpoints)`,
      requestsPerSecond: receipts.length / elapsed,
      p50: percentile(50),
      p99: percentile(99),
      errors: EVENTS * ENDPOINTS - receipts.length,
      non2xx: 0,
    };
    return [
      {
        measurement,
        target: '≥ 2,000 deliveries/s',
        met: (_ratio, result) => result.requestsPerSecond >= 2000 && result.errors === 0,
        note: `deliveries/s in the req/s column; p50/p99 are commit-to-receipt in ms for a burst committed at once (${receipts.length.toLocaleString('en-US')} of ${(EVENTS * ENDPOINTS).toLocaleString('en-US')} received in ${elapsed.toFixed(1)} s)`,
      },
    ];
  },
};
