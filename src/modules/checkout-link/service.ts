// Checkout links: a product (or one of its prices), with an optional discount, label, success URL
// and metadata, behind a permanent URL; each visit opens a fresh checkout session from it.
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { CheckoutLinkRow } from '../../db/schema/commerce.js';
import { clock } from '../../kit/clock.js';
import { seesOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { openCheckoutFromLink } from '../checkout/service.js';
import type { LoadedCheckout } from '../checkout/presenter.js';
import { findDiscount } from '../discount/service.js';
import { findPrice, findProduct } from '../product/service.js';
import { presentCheckoutLink, type LoadedCheckoutLink } from './presenter.js';
import * as repository from './repository.js';
import type { CheckoutLinkCreate, CheckoutLinkListQuery, CheckoutLinkUpdate } from './schemas.js';

const CLIENT_SECRET_PREFIX = 'polar_cl_';

async function load(db: Queryable, link: CheckoutLinkRow): Promise<LoadedCheckoutLink> {
  const [product, price, discount] = await Promise.all([
    findProduct(db, link.product_id),
    link.product_price_id ? findPrice(db, link.product_price_id) : Promise.resolve(undefined),
    link.discount_id ? findDiscount(db, link.discount_id) : Promise.resolve(undefined),
  ]);
  if (!product) throw new Error(`checkout link ${link.id} lost its product`);
  return { link, product, price, discount };
}

async function checkDiscount(db: Queryable, organizationId: string, discountId: string | null | undefined): Promise<void> {
  if (!discountId) return;
  const discount = await findDiscount(db, discountId);
  if (!discount || discount.deleted_at || discount.organization_id !== organizationId) throw new ValidationError(['body', 'discount_id'], 'Discount does not exist.', discountId);
}

export async function listLinks(db: Queryable, config: Config, subject: MerchantSubject, query: CheckoutLinkListQuery) {
  const direction = query.sorting[0]?.startsWith('-') ? 'desc' : 'asc';
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, productId: query.product_id }, direction, query);
  const loaded = await Promise.all(rows.map((row) => load(db, row)));
  return toPage(loaded.map((link) => presentCheckoutLink(config, link)), totalCount, query);
}

export async function getLink(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedCheckoutLink> {
  const link = await repository.findVisibleById(db, subject, id);
  if (!link) throw new ResourceNotFound();
  return load(db, link);
}

export async function createLink(trx: Transaction, subject: MerchantSubject, input: CheckoutLinkCreate): Promise<LoadedCheckoutLink> {
  let productId: string;
  let priceId: string | null = null;
  if ('product_price_id' in input) {
    const price = await findPrice(trx, input.product_price_id);
    if (!price || !seesOrganization(subject, price.organization_id)) throw new ValidationError(['body', 'product_price_id'], 'Price does not exist.', input.product_price_id);
    if (price.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Price is archived.', input.product_price_id);
    productId = price.product_id;
    priceId = price.id;
  } else {
    productId = input.product_id;
  }
  const product = await findProduct(trx, productId);
  if (!product || !seesOrganization(subject, product.organization_id)) throw new ValidationError(['body', 'product_id'], 'Product does not exist.', productId);
  if (product.is_archived) throw new ValidationError(['body', 'product_id'], 'Product is archived.', productId);
  await checkDiscount(trx, product.organization_id, input.discount_id);
  const link = await repository.insert(trx, {
    id: newId(),
    created_at: clock.now(),
    organization_id: product.organization_id,
    client_secret: `${CLIENT_SECRET_PREFIX}${randomBytes(24).toString('base64url')}`,
    product_id: product.id,
    product_price_id: priceId,
    discount_id: input.discount_id ?? null,
    label: input.label ?? null,
    allow_discount_codes: input.allow_discount_codes ?? true,
    success_url: input.success_url ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
  });
  return load(trx, link);
}

export async function updateLink(trx: Transaction, subject: MerchantSubject, id: string, input: CheckoutLinkUpdate): Promise<LoadedCheckoutLink> {
  const link = await repository.findVisibleById(trx, subject, id);
  if (!link) throw new ResourceNotFound();
  if (input.product_price_id) {
    const price = await findPrice(trx, input.product_price_id);
    if (!price || price.product_id !== link.product_id) throw new ValidationError(['body', 'product_price_id'], 'Price does not belong to the same product.', input.product_price_id);
    if (price.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Price is archived.', input.product_price_id);
  }
  await checkDiscount(trx, link.organization_id, input.discount_id);
  const updated = await repository.update(trx, link.id, {
    modified_at: clock.now(),
    ...(input.metadata ? { metadata: JSON.stringify(input.metadata) } : {}),
    ...(input.label !== undefined ? { label: input.label } : {}),
    ...(input.allow_discount_codes !== undefined && input.allow_discount_codes !== null ? { allow_discount_codes: input.allow_discount_codes } : {}),
    ...(input.product_price_id !== undefined ? { product_price_id: input.product_price_id } : {}),
    ...(input.discount_id !== undefined ? { discount_id: input.discount_id } : {}),
    ...(input.success_url !== undefined ? { success_url: input.success_url } : {}),
  });
  return load(trx, updated);
}

export async function deleteLink(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const link = await repository.findVisibleById(trx, subject, id);
  if (!link) throw new ResourceNotFound();
  const now = clock.now();
  await repository.update(trx, link.id, { deleted_at: now, modified_at: now });
}

/** A visit of a link's URL: a fresh checkout session, to redirect the visitor to. */
export async function visitLink(
  trx: Transaction,
  config: Config,
  clientSecret: string,
  visit: { embedOrigin?: string; ipAddress?: string; customerEmail?: string; discountCode?: string },
): Promise<LoadedCheckout> {
  const link = await repository.findByClientSecret(trx, clientSecret);
  if (!link) throw new ResourceNotFound();
  return openCheckoutFromLink(trx, config, link, visit);
}
