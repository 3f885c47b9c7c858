// POST /v1/customer-portal/license-keys/validate: a public call (no token), one statement that
// checks the key and records the validation (as Polar does). On one key (every request updates
// the same row) and on 1,000 distinct keys in rotation, 50 connections; compared with a bare
// Fastify route doing one single-row UPDATE.
import { sql } from 'kysely';
import type { BenchCase } from './types.js';

const KEYS = 1000;

async function json(response: Response): Promise<Record<string, unknown>> {
  const body = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${response.status} ${JSON.stringify(body)}`);
  return body;
}

export const licenseKeyCase: BenchCase = {
  name: 'license-keys',
  async run({ floeUrl, merchant, db, measureAgainst }) {
    const headers = { authorization: `Bearer ${merchant.token}`, 'content-type': 'application/json' };
    const post = (path: string, body: object, auth = true) => fetch(`${floeUrl}${path}`, { method: 'POST', headers: auth ? headers : { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const benefit = await json(await post('/v1/benefits/', { type: 'license_keys', description: 'Bench license', organization_id: merchant.organizationId, properties: { prefix: 'BENCH' } }));
    const product = await json(
      await post('/v1/products/', { name: 'Bench app', organization_id: merchant.organizationId, prices: [{ type: 'one_time', amount_type: 'fixed', price_amount: 1000, price_currency: 'usd' }] }),
    );
    await json(await post(`/v1/products/${product.id as string}/benefits`, { benefits: [benefit.id] }));
    // One key granted the way customers get theirs: a purchase, then the grant job.
    const checkout = await json(await post('/v1/checkouts/custom/', { product_price_id: (product.prices as { id: string }[])[0]!.id }));
    await json(
      await post(`/v1/checkouts/custom/client/${checkout.client_secret as string}/confirm`, { customer_email: 'licensee@example.com', customer_name: 'Licensee', customer_billing_address: { country: 'US' }, confirmation_token_id: 'tok_visa' }, false),
    );
    let granted: { key: string; customer_id: string } | undefined;
    for (let attempt = 0; attempt < 500 && !granted; attempt += 1) {
      granted = await db.selectFrom('license_keys').select(['key', 'customer_id']).where('benefit_id', '=', String(benefit.id)).executeTakeFirst();
      if (!granted) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (!granted) throw new Error('the purchase granted no license key');
    // 999 more keys of the same customer and benefit, written directly: only their number matters.
    await sql`INSERT INTO license_keys (id, organization_id, customer_id, benefit_id, key, status)
      SELECT gen_random_uuid(), ${merchant.organizationId}::uuid, ${granted.customer_id}::uuid, ${String(benefit.id)}::uuid, 'BENCH-' || upper(gen_random_uuid()::text), 'granted'
      FROM generate_series(1, ${KEYS - 1})`.execute(db);
    const keys = (await db.selectFrom('license_keys').select('key').where('benefit_id', '=', String(benefit.id)).execute()).map((row) => row.key);

    const url = `${floeUrl}/v1/customer-portal/license-keys/validate`;
    const jsonHeaders = { 'content-type': 'application/json' };
    const oneKey = await measureAgainst('update', 'POST …/license-keys/validate (one key)', { url, method: 'POST', headers: jsonHeaders, body: JSON.stringify({ key: granted.key, organization_id: merchant.organizationId }) });
    let next = 0;
    const rotation = await measureAgainst('update', `POST …/license-keys/validate (${KEYS} keys in rotation)`, {
      url,
      method: 'POST',
      headers: jsonHeaders,
      requests: [{ setupRequest: (request) => ({ ...request, body: JSON.stringify({ key: keys[next++ % keys.length], organization_id: merchant.organizationId }) }) }],
    });
    const validations = await db.selectFrom('license_keys').select((eb) => eb.fn.sum<number>('validations').as('total')).where('benefit_id', '=', String(benefit.id)).executeTakeFirstOrThrow();
    const target = '≥ 60% of one-UPDATE baseline, p99 < 15 ms';
    const met = (ratio: number | undefined, m: { p99: number; errors: number; non2xx: number }) => (ratio ?? 0) >= 0.6 && m.p99 < 15 && m.errors + m.non2xx === 0;
    return [
      { measurement: oneKey.measurement, baseline: 'update', paired: oneKey, target, met, note: `every validation was recorded: ${Number(validations.total)} validations counted in the database after both runs.` },
      { measurement: rotation.measurement, baseline: 'update', paired: rotation, target, met },
    ];
  },
};
