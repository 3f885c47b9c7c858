// Checkout sessions. A checkout is opened for a product (its first active price) or a price, by a
// merchant or a checkout link, and filled in by its customer through the client endpoints (by
// client secret). Status: open → confirmed (payment taken) → succeeded (order written) | failed;
// an open checkout past `expires_at` is expired. Amounts are Polar's: `amount` is the price (the
// chosen amount for pay-what-you-want, none for free), the discount comes off it, tax (none
// here) goes on top. Confirmation and success are in confirm.ts.
import { randomBytes } from 'node:crypto';
import type { Config } from '../../config.js';
import type { Insertable, Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { CheckoutLinkRow, CheckoutRow } from '../../db/schema/commerce.js';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { seesOrganization, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import { commitWith, type Queryable, type Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound, ValidationError, ValidationIssues } from '../../kit/errors.js';
import { recordEvent } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { validateCustomFieldData } from '../custom-field/service.js';
import { findCustomer } from '../customer/service.js';
import { findApplicableDiscount, findDiscount } from '../discount/service.js';
import type { PresentedOrganization } from '../organization/repository.js';
import { getOrganizationById } from '../organization/service.js';
import { findPrice, findPriceAt, findProduct, findProductAt, type LoadedProduct, type PriceWithOrganization } from '../product/service.js';
import { presentCheckout, type LoadedCheckout } from './presenter.js';
import * as repository from './repository.js';
import type { VersionedCheckout } from './repository.js';
import type { CheckoutCreate, CheckoutListQuery, CheckoutSortField, CheckoutUpdate, CheckoutUpdatePublic } from './schemas.js';

/** How long a checkout stays open (Polar: one hour). */
const CHECKOUT_TTL_MS = 60 * 60 * 1000;
const CLIENT_SECRET_PREFIX = 'polar_c_';

/**
 * A checkout with its product, price and discount. `known` is the same checkout loaded earlier in
 * this transaction: what has not changed since is taken from it rather than read again. The
 * product and price come from the catalog cache when the row carries its catalog version.
 */
export async function loadCheckout(db: Queryable, checkout: VersionedCheckout, known?: Partial<Omit<LoadedCheckout, 'checkout'>>): Promise<LoadedCheckout> {
  const version = checkout.catalog_version;
  const [product, price, discount] = await Promise.all([
    known?.product?.id === checkout.product_id ? known.product : findProductAt(db, checkout.product_id, version),
    known?.price?.id === checkout.product_price_id ? known.price : findPriceAt(db, checkout.product_price_id, version),
    !checkout.discount_id ? undefined : known?.discount?.id === checkout.discount_id ? known.discount : findDiscount(db, checkout.discount_id),
  ]);
  if (!product || !price) throw new Error(`checkout ${checkout.id} lost its product or price`);
  return { checkout, product, price, discount };
}

export async function listCheckouts(db: Queryable, config: Config, subject: MerchantSubject, query: CheckoutListQuery) {
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, productId: query.product_id }, parseSorting<CheckoutSortField>(query.sorting), query);
  const loaded = await Promise.all(rows.map((row) => loadCheckout(db, row)));
  return toPage(loaded.map((checkout) => presentCheckout(config, checkout)), totalCount, query);
}

export async function getCheckout(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedCheckout> {
  const checkout = await repository.findVisibleById(db, subject, id);
  if (!checkout) throw new ResourceNotFound();
  return loadCheckout(db, checkout);
}

/** A checkout by client secret, for its customer; an open one past its time reads as expired. */
export async function getCheckoutByClientSecret(db: Queryable, clientSecret: string): Promise<LoadedCheckout> {
  const checkout = await repository.findByClientSecret(db, clientSecret);
  if (!checkout) throw new ResourceNotFound();
  const current = checkout.status === 'open' && checkout.expires_at <= clock.now() ? { ...checkout, status: 'expired' as const } : checkout;
  return loadCheckout(db, current);
}

/** The status of the checkout of a client secret (what its event stream starts from, and reads again after a lost notification). */
export function checkoutStatus(db: Queryable, clientSecret: string): Promise<CheckoutRow['status'] | undefined> {
  return repository.statusByClientSecret(db, clientSecret);
}

/** The seller of a checkout, from the catalog cache when the row carries its catalog version. */
export function organizationOf(db: Queryable, checkout: VersionedCheckout): Promise<PresentedOrganization> {
  return getOrganizationById(db, checkout.organization_id, checkout.catalog_version);
}

function amountFor(price: ProductPriceRow, requested: number | null | undefined, issues: ValidationIssues): { amount: number | null; currency: string | null } {
  if (price.amount_type === 'free') return { amount: null, currency: null };
  if (price.amount_type === 'fixed') return { amount: price.price_amount, currency: price.price_currency ?? 'usd' };
  const amount = requested ?? price.preset_amount ?? price.minimum_amount ?? 50;
  if (price.minimum_amount !== null && amount < price.minimum_amount) issues.add(['body', 'amount'], 'Amount is below minimum.', requested ?? null, 'greater_than_equal');
  else if (amount < 50) issues.add(['body', 'amount'], 'Amount is below minimum.', requested ?? null, 'greater_than_equal');
  if (price.maximum_amount !== null && amount > price.maximum_amount) issues.add(['body', 'amount'], 'Amount is above maximum.', requested ?? null, 'less_than_equal');
  return { amount, currency: price.price_currency ?? 'usd' };
}

/** The price a checkout is created for, with its product, both visible to the subject and active. */
async function resolvePrice(db: Queryable, subject: MerchantSubject, input: CheckoutCreate): Promise<{ price: PriceWithOrganization; product: LoadedProduct }> {
  if ('product_price_id' in input) {
    const price = await findPrice(db, input.product_price_id);
    if (!price || !seesOrganization(subject, price.organization_id)) throw new ValidationError(['body', 'product_price_id'], 'Price does not exist.', input.product_price_id);
    if (price.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Price is archived.', input.product_price_id);
    const product = await findProductAt(db, price.product_id, price.catalog_version);
    if (!product || product.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Product is archived.', input.product_price_id);
    return { price, product };
  }
  const product = await findProduct(db, input.product_id);
  if (!product || !seesOrganization(subject, product.organization_id)) throw new ValidationError(['body', 'product_id'], 'Product does not exist.', input.product_id);
  if (product.is_archived) throw new ValidationError(['body', 'product_id'], 'Product is archived.', input.product_id);
  const first = product.prices[0];
  const price = first ? await findPrice(db, first.id) : undefined;
  if (!price) throw new ValidationError(['body', 'product_id'], 'Product has no active price.', input.product_id);
  return { price, product };
}

export async function createCheckout(trx: Transaction, config: Config, subject: MerchantSubject, input: CheckoutCreate): Promise<LoadedCheckout> {
  const { price, product } = await resolvePrice(trx, subject, input);
  const organizationId = price.organization_id;
  const seller = await getOrganizationById(trx, organizationId, price.catalog_version);
  if (seller.blocked_at) throw new NotPermitted();
  const issues = new ValidationIssues();
  const { amount, currency } = amountFor(price, input.amount, issues);
  let discountId: string | null = null;
  if (input.discount_id) {
    if (price.amount_type !== 'fixed') issues.add(['body', 'discount_id'], 'Discounts are only applicable to fixed prices.', input.discount_id);
    else if (!(await findApplicableDiscount(trx, organizationId, { id: input.discount_id, productId: price.product_id }))) issues.add(['body', 'discount_id'], 'Discount does not exist.', input.discount_id);
    else discountId = input.discount_id;
  }
  const customer = input.customer_id ? await findCustomer(trx, input.customer_id) : undefined;
  if (input.customer_id && (!customer || customer.organization_id !== organizationId || customer.deleted_at)) issues.add(['body', 'customer_id'], 'Customer does not exist.', input.customer_id);
  // Answers are typed and bounded now; required ones are asked for at confirmation (the customer
  // gives them on the checkout page).
  let customFieldData: Record<string, unknown> = {};
  if (input.custom_field_data && Object.keys(input.custom_field_data).length > 0) {
    customFieldData = validateCustomFieldData(product.attached_custom_fields, input.custom_field_data, issues, { enforceRequired: false });
  }
  issues.throwIfAny();
  return openCheckout(trx, config, {
    organization_id: organizationId,
    product_id: price.product_id,
    product_price_id: price.id,
    discount_id: discountId,
    customer_id: customer?.id ?? null,
    amount,
    currency,
    allow_discount_codes: input.allow_discount_codes ?? true,
    // A known customer fills in what the checkout was not given.
    customer_name: input.customer_name ?? customer?.name ?? null,
    customer_email: input.customer_email ?? customer?.email ?? null,
    customer_ip_address: input.customer_ip_address ?? null,
    customer_billing_address: input.customer_billing_address ?? customer?.billing_address ?? null,
    customer_tax_id: input.customer_tax_id ?? null,
    custom_field_data: customFieldData,
    metadata: input.metadata ?? {},
    customer_metadata: input.customer_metadata ?? {},
    success_url: input.success_url ?? null,
    embed_origin: input.embed_origin ?? null,
  }, { price, product });
}

type OpenValues = Pick<CheckoutRow, 'organization_id' | 'product_id' | 'product_price_id' | 'amount' | 'currency'> &
  Partial<Omit<CheckoutRow, 'id' | 'created_at' | 'modified_at' | 'status' | 'client_secret' | 'expires_at' | 'tax_amount' | 'subscription_id' | 'payment_processor' | 'payment_processor_metadata'>>;

/**
 * Writes a new open checkout (one hour to complete) and records `checkout.created`. The row is
 * known as it will read, so the event goes first and the insert ends the transaction.
 */
async function openCheckout(trx: Transaction, config: Config, values: OpenValues, known: { price: PriceWithOrganization; product: LoadedCheckout['product'] }): Promise<LoadedCheckout> {
  const now = clock.now();
  const row: CheckoutRow = {
    id: newId(),
    created_at: now,
    modified_at: null,
    status: 'open',
    client_secret: `${CLIENT_SECRET_PREFIX}${randomBytes(32).toString('base64url')}`,
    expires_at: new Date(now.getTime() + CHECKOUT_TTL_MS),
    discount_id: null,
    checkout_link_id: null,
    customer_id: null,
    subscription_id: null,
    tax_amount: values.amount === null ? null : 0,
    allow_discount_codes: true,
    customer_name: null,
    customer_email: null,
    customer_ip_address: null,
    customer_billing_address: null,
    customer_tax_id: null,
    custom_field_data: {},
    metadata: {},
    customer_metadata: {},
    success_url: null,
    embed_origin: null,
    payment_processor: 'stripe',
    payment_processor_metadata: {},
    // What the caller gives, but no undefined over a default.
    ...(Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as OpenValues),
  };
  const loaded = await loadCheckout(trx, { ...row, catalog_version: known.price.catalog_version }, known);
  await recordEvent(trx, row.organization_id, 'checkout.created', () => presentCheckout(config, loaded));
  await commitWith(trx, (writer) => repository.insertStatement(writer, columnsOf(row) as Insertable<Tables['checkouts']>));
  return loaded;
}

/**
 * A fresh checkout from a checkout link's visit: its price (or the product's first active price),
 * its discount when still applicable (silently dropped otherwise, as Polar does), and what the
 * visit's query prefills (`customer_email`, `discount_code`).
 */
export async function openCheckoutFromLink(
  trx: Transaction,
  config: Config,
  link: CheckoutLinkRow,
  visit: { embedOrigin?: string; ipAddress?: string; customerEmail?: string; discountCode?: string },
): Promise<LoadedCheckout> {
  const product = await findProduct(trx, link.product_id);
  const priceId = link.product_price_id ?? product?.prices[0]?.id;
  const price = priceId ? await findPrice(trx, priceId) : undefined;
  if (!product || !price) throw new ResourceNotFound();
  if (price.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Price is archived.', price.id);
  if (product.is_archived) throw new ValidationError(['body', 'product_id'], 'Product is archived.', product.id);
  const seller = await getOrganizationById(trx, link.organization_id, price.catalog_version);
  if (seller.blocked_at) throw new NotPermitted();
  const { amount, currency } = amountFor(price, null, new ValidationIssues());
  const fixed = price.amount_type === 'fixed';
  const linked = fixed && link.discount_id ? await findApplicableDiscount(trx, link.organization_id, { id: link.discount_id, productId: product.id }) : undefined;
  const coded = fixed && !linked && visit.discountCode && link.allow_discount_codes ? await findApplicableDiscount(trx, link.organization_id, { code: visit.discountCode, productId: product.id }) : undefined;
  const email = visit.customerEmail && /^[^\s@]+@[^\s@]+$/.test(visit.customerEmail) ? visit.customerEmail : null;
  return openCheckout(trx, config, {
    organization_id: link.organization_id,
    product_id: product.id,
    product_price_id: price.id,
    discount_id: (linked ?? coded)?.id ?? null,
    checkout_link_id: link.id,
    amount,
    currency,
    allow_discount_codes: link.allow_discount_codes,
    customer_email: email,
    customer_ip_address: visit.ipAddress ?? null,
    metadata: link.metadata,
    success_url: link.success_url,
    embed_origin: visit.embedOrigin ?? null,
  }, { price, product });
}

/**
 * The deprecated checkout of the legacy API (`POST /v1/checkouts/`): anyone may open one for a
 * price. Polar made a Stripe-hosted session; Floe opens one of its own sessions, on its own page.
 */
export async function createLegacyCheckout(
  trx: Transaction,
  config: Config,
  input: { product_price_id: string; success_url: string; customer_email?: string | null; subscription_id?: string | null },
): Promise<LoadedCheckout> {
  if (input.subscription_id) throw new ValidationError(['body', 'subscription_id'], 'Setting a subscription_id is not supported anymore.', input.subscription_id);
  const price = await findPrice(trx, input.product_price_id);
  if (!price) throw new ValidationError(['body', 'product_price_id'], 'Price does not exist.', input.product_price_id);
  if (price.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Price is archived.', input.product_price_id);
  const product = await findProduct(trx, price.product_id);
  if (!product || product.is_archived) throw new ValidationError(['body', 'product_price_id'], 'Product is archived.', input.product_price_id);
  const { amount, currency } = amountFor(price, null, new ValidationIssues());
  return openCheckout(trx, config, {
    organization_id: price.organization_id,
    product_id: price.product_id,
    product_price_id: price.id,
    amount,
    currency,
    customer_email: input.customer_email ?? null,
    success_url: input.success_url,
  }, { price, product });
}

/** A checkout by id for the legacy API, which read any checkout publicly by its id. */
export async function getLegacyCheckout(db: Queryable, id: string): Promise<LoadedCheckout> {
  const checkout = await repository.findById(db, id);
  if (!checkout) throw new ResourceNotFound();
  return loadCheckout(db, checkout);
}

/** The JSON columns of a checkout, written as JSON text (an array would otherwise go as a PostgreSQL array). */
const JSON_COLUMNS = ['customer_billing_address', 'custom_field_data', 'metadata', 'customer_metadata', 'payment_processor_metadata'] as const;

/** The columns to write for `changes` (values as the row reads them). */
export function columnsOf(changes: Partial<CheckoutRow>): Updateable<Tables['checkouts']> {
  const columns: Record<string, unknown> = { ...changes };
  for (const column of JSON_COLUMNS) if (column in changes) columns[column] = JSON.stringify(changes[column]);
  return columns as Updateable<Tables['checkouts']>;
}

/**
 * Checks what the customer (or merchant) changes and answers the changed fields, as the row will
 * read once written, with the price the checkout then has. Only an open, unexpired checkout changes.
 */
export async function prepareUpdate(
  trx: Transaction,
  checkout: VersionedCheckout,
  input: CheckoutUpdatePublic & Partial<CheckoutUpdate>,
): Promise<{ changes: Partial<CheckoutRow>; price: PriceWithOrganization }> {
  if (checkout.status !== 'open' || checkout.expires_at <= clock.now()) throw new ValidationError(['body'], 'Checkout is not open.', null, 'checkout_not_open');
  const issues = new ValidationIssues();
  const price = await findPriceAt(trx, input.product_price_id ?? checkout.product_price_id, checkout.catalog_version);
  if (!price) {
    // A price id of another organization, or none at all, is the caller's mistake.
    if (input.product_price_id) throw new ValidationError(['body', 'product_price_id'], 'Price does not exist.', input.product_price_id);
    throw new Error('checkout price vanished');
  }
  if (input.product_price_id && input.product_price_id !== checkout.product_price_id) {
    if (price.product_id !== checkout.product_id) issues.add(['body', 'product_price_id'], 'Price does not belong to the product.', input.product_price_id);
    else if (price.is_archived) issues.add(['body', 'product_price_id'], 'Price is archived.', input.product_price_id);
  }
  issues.throwIfAny();
  const priceChanged = price.id !== checkout.product_price_id;
  const { amount, currency } = input.amount !== undefined || priceChanged ? amountFor(price, input.amount ?? null, issues) : { amount: checkout.amount, currency: checkout.currency };
  let discountId = checkout.discount_id;
  if (input.discount_code) {
    if (price.amount_type !== 'fixed') issues.add(['body', 'discount_code'], 'Discounts are only applicable to fixed prices.', input.discount_code);
    else if (!checkout.allow_discount_codes) issues.add(['body', 'discount_code'], 'Discount codes are not allowed on this checkout.', input.discount_code);
    else {
      const discount = await findApplicableDiscount(trx, checkout.organization_id, { code: input.discount_code, productId: checkout.product_id });
      if (!discount) issues.add(['body', 'discount_code'], 'This discount code does not exist or is no longer available.', input.discount_code);
      else discountId = discount.id;
    }
  } else if (input.discount_code === null) {
    discountId = null;
  }
  if (input.discount_id !== undefined) discountId = input.discount_id;
  if (discountId && price.amount_type !== 'fixed') discountId = null;
  let customFieldData: Record<string, unknown> | undefined;
  if (input.custom_field_data && Object.keys(input.custom_field_data).length > 0) {
    const product = await findProductAt(trx, price.product_id, checkout.catalog_version);
    customFieldData = validateCustomFieldData(product?.attached_custom_fields ?? [], input.custom_field_data, issues, { enforceRequired: false });
  }
  issues.throwIfAny();
  const changes: Partial<CheckoutRow> = {
    modified_at: clock.now(),
    product_price_id: price.id,
    amount,
    tax_amount: amount === null ? null : 0,
    currency,
    discount_id: discountId,
    ...(input.customer_name !== undefined ? { customer_name: input.customer_name } : {}),
    ...(input.customer_email !== undefined ? { customer_email: input.customer_email } : {}),
    ...(input.customer_billing_address !== undefined ? { customer_billing_address: input.customer_billing_address } : {}),
    ...(input.customer_tax_id !== undefined ? { customer_tax_id: input.customer_tax_id } : {}),
    ...(customFieldData ? { custom_field_data: customFieldData } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    ...(input.customer_metadata ? { customer_metadata: input.customer_metadata } : {}),
    ...(input.allow_discount_codes !== undefined && input.allow_discount_codes !== null ? { allow_discount_codes: input.allow_discount_codes } : {}),
    ...(input.customer_ip_address !== undefined ? { customer_ip_address: input.customer_ip_address } : {}),
    ...(input.success_url !== undefined ? { success_url: input.success_url } : {}),
    ...(input.embed_origin !== undefined ? { embed_origin: input.embed_origin } : {}),
  };
  return { changes, price };
}

/** Applies what the customer (or merchant) changed and records `checkout.updated`. */
export async function applyUpdate(trx: Transaction, config: Config, checkout: VersionedCheckout, input: CheckoutUpdatePublic & Partial<CheckoutUpdate>): Promise<LoadedCheckout> {
  const { changes, price } = await prepareUpdate(trx, checkout, input);
  const updated = await repository.update(trx, checkout.id, columnsOf(changes));
  const loaded = await loadCheckout(trx, updated, { price });
  await recordEvent(trx, updated.organization_id, 'checkout.updated', () => presentCheckout(config, loaded));
  return loaded;
}

export async function updateCheckout(trx: Transaction, config: Config, subject: MerchantSubject, id: string, input: CheckoutUpdate): Promise<LoadedCheckout> {
  const visible = await repository.findVisibleById(trx, subject, id);
  if (!visible) throw new ResourceNotFound();
  const locked = await repository.lock(trx, visible.id);
  if (!locked) throw new ResourceNotFound();
  return applyUpdate(trx, config, locked, input);
}

export async function updateCheckoutByClientSecret(trx: Transaction, config: Config, clientSecret: string, input: CheckoutUpdatePublic): Promise<LoadedCheckout> {
  const locked = await repository.lockByClientSecret(trx, clientSecret);
  if (!locked) throw new ResourceNotFound();
  return applyUpdate(trx, config, locked, input);
}

/** When the organization's first open checkout expires, if by `until` (a test clock's advance). */
export function earliestCheckoutExpiry(db: Queryable, organizationId: string, until: Date): Promise<Date | undefined> {
  return repository.earliestExpiry(db, organizationId, until);
}
