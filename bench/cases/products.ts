// GET /v1/products/?organization_id=… on an organization with 1,000 products, a page of 10, each
// product with two prices, two benefits and a media file.
import { newId } from '../../src/kit/ids.js';
import type { BenchCase, BenchEnvironment } from './types.js';

const PRODUCTS = 1000;

export async function seedCatalog({ db, merchant }: BenchEnvironment): Promise<void> {
  const organizationId = merchant.organizationId;
  const now = Date.now();
  const benefits = [0, 1].map((index) => ({
    id: newId(),
    organization_id: organizationId,
    type: 'custom' as const,
    description: `Benefit ${index}`,
    properties: { note: null },
    created_at: new Date(now),
  }));
  await db.insertInto('benefits').values(benefits).execute();
  const products = Array.from({ length: PRODUCTS }, (_, index) => ({
    id: newId(),
    organization_id: organizationId,
    name: `Product ${index}`,
    description: 'A product of the bench catalog.',
    is_recurring: true,
    metadata: { index },
    created_at: new Date(now + index),
  }));
  const files = products.map((product) => ({
    id: newId(),
    organization_id: organizationId,
    service: 'product_media' as const,
    name: `${product.id}.png`,
    path: `${organizationId}/${product.id}.png`,
    mime_type: 'image/png',
    size: 1024,
    is_uploaded: true,
    upload_parts: JSON.stringify([]),
    created_at: new Date(now),
  }));
  for (let start = 0; start < PRODUCTS; start += 250) {
    const slice = products.slice(start, start + 250);
    await db.insertInto('products').values(slice).execute();
    await db.insertInto('files').values(files.slice(start, start + 250)).execute();
    await db
      .insertInto('product_prices')
      .values(
        slice.flatMap((product) =>
          (['month', 'year'] as const).map((interval) => ({
            id: newId(),
            product_id: product.id,
            type: 'recurring' as const,
            recurring_interval: interval,
            amount_type: 'fixed' as const,
            price_amount: interval === 'month' ? 1000 : 10000,
            price_currency: 'usd',
            created_at: new Date(now),
          })),
        ),
      )
      .execute();
    await db
      .insertInto('product_benefits')
      .values(slice.flatMap((product) => benefits.map((benefit, order) => ({ product_id: product.id, benefit_id: benefit.id, order, created_at: new Date(now) }))))
      .execute();
    await db
      .insertInto('product_medias')
      .values(slice.map((product, index) => ({ product_id: product.id, file_id: files[start + index]!.id, order: 0, created_at: new Date(now) })))
      .execute();
  }
}

export const productCase: BenchCase = {
  name: 'products',
  async run(environment) {
    await seedCatalog(environment);
    const { floeUrl, merchant, measureAgainst } = environment;
    const { measurement, baseline, ratio } = await measureAgainst('select', 'GET /v1/products/?organization_id (1,000 products, page of 10)', {
      url: `${floeUrl}/v1/products/?organization_id=${merchant.organizationId}`,
      headers: { authorization: `Bearer ${merchant.token}` },
    });
    return [
      {
        measurement,
        baseline: 'select',
        paired: { baseline, ratio },
        target: '≥ 40% of one-query baseline, p99 < 25 ms',
        met: (ratio, result) => (ratio ?? 0) >= 0.4 && result.p99 < 25,
      },
    ];
  },
};
