// Completed purchases per second: 20 buyers, each in a loop creating a checkout for a one-time
// product (merchant API), confirming it with a test card (client API) and waiting until it has
// succeeded (its order written by the worker inside `floe serve`). Compared with pgbench's TPC-B
// on the same PostgreSQL, the database's own ceiling for small write transactions.
import { Agent } from 'node:http';
import { buyFor, jsonRequest, measurePgbench, type Measurement } from '../harness.js';
import type { BenchCase } from './types.js';

const BUYERS = 20;
const SECONDS = 10;
const WARM_UP_SECONDS = 2;

export const purchaseCase: BenchCase = {
  name: 'purchases',
  async run({ floeUrl, merchant }) {
    // Two connections a buyer: its event stream and its requests.
    const agent = new Agent({ keepAlive: true, maxSockets: BUYERS * 2 });
    const authorization = { authorization: `Bearer ${merchant.token}` };
    const product = await jsonRequest(agent, `${floeUrl}/v1/products/`, {
      method: 'POST',
      headers: authorization,
      body: { name: 'Bench e-book', organization_id: merchant.organizationId, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1500, price_currency: 'usd' }] },
    });
    const priceId = (product.prices as { id: string }[])[0]!.id;
    const buy = (seconds: number) => buyFor(agent, { seconds, buyers: BUYERS, urlOf: () => floeUrl, token: merchant.token, priceId });
    // Warm-up, not counted: Floe compiles its code paths on first use.
    await buy(WARM_UP_SECONDS);
    const { latencies, errors, elapsed } = await buy(SECONDS);
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const percentile = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0);
    const measurement: Measurement = {
      name: 'purchase: create + confirm + succeeded (20 buyers)',
      requestsPerSecond: latencies.length / elapsed,
      p50: percentile(50),
      p99: percentile(99),
      errors,
      non2xx: 0,
    };
    const tps = await measurePgbench(10);
    const ratio = tps ? ` — ${Math.round((measurement.requestsPerSecond / tps) * 100)}% of pgbench TPC-B (${Math.round(tps).toLocaleString('en-US')} tps, 20 clients, same PostgreSQL)` : ' — pgbench not installed';
    return [
      {
        measurement,
        target: '≥ 300 purchases/s',
        met: (_ratio, result) => result.requestsPerSecond >= 300,
        note: `purchases/s in the req/s column; p50/p99 are per purchase (three requests and the wait for the order)${ratio}`,
      },
    ];
  },
};
