// Products and their prices. A product is one-time (exactly one price: fixed, custom or free) or
// recurring (a monthly and/or a yearly fixed price, or one free price). Prices are never deleted:
// an update that leaves one out archives it, so orders and checkouts that used it still read it.
// `is_recurring` follows the active prices. Every change records product.created/updated in its
// transaction, with the product exactly as GET returns it.
import type { Insertable } from 'kysely';
import type { Config } from '../../config.js';
import type { ProductPricesTable } from '../../db/schema/catalog.js';
import { resolveOrganizationForCreate, type MerchantSubject } from '../../kit/auth.js';
import { LruCache } from '../../kit/cache.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationIssues } from '../../kit/errors.js';
import { recordEvent } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { enqueueJob } from '../../kit/jobs.js';
import { GRANT_JOBS } from '../benefit/grants.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { presentProduct } from './presenter.js';
import * as repository from './repository.js';
import * as fileService from '../file/service.js';
import type { LoadedProduct } from './repository.js';
import type { PriceCreate, Product, ProductBenefitsUpdate, ProductCreate, ProductListQuery, ProductSortField, ProductUpdate } from './schemas.js';

export type { LoadedProduct };

/**
 * Pages of products, cached in-process under the catalog versions of the organizations they can
 * contain: one primary-key read decides whether a cached page is still exactly what the database
 * holds (any catalog change bumps the version in its own transaction, in whichever process).
 * The versions are read before the page, so a page is never stored under versions older than
 * what it shows (only possibly newer, under a key no later request asks for).
 */
const productPages = new LruCache<Page<Product>>(1000);

export async function listProducts(db: Queryable, config: Config, subject: MerchantSubject, query: ProductListQuery): Promise<Page<Product>> {
  const visible = subject.kind === 'organization' ? [subject.organizationId] : subject.organizationIds;
  const filter = query.organization_id;
  const organizationIds = filter ? visible.filter((id) => filter.includes(id)) : visible;
  const versions = await repository.catalogVersions(db, organizationIds);
  const key = JSON.stringify([config.baseUrl, organizationIds, versions, query]);
  const cached = productPages.get(key);
  if (cached) return cached;
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    {
      id: query.id,
      organizationId: query.organization_id,
      query: query.query,
      isArchived: query.is_archived,
      isRecurring: query.is_recurring,
      benefitId: query.benefit_id,
    },
    parseSorting<ProductSortField>(query.sorting),
    query,
  );
  const page = toPage(
    rows.map((row) => presentProduct(config, row)),
    totalCount,
    query,
  );
  productPages.set(key, page);
  return page;
}

export async function getProduct(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedProduct> {
  const product = await repository.findVisibleById(db, subject, id);
  if (!product) throw new ResourceNotFound();
  return product;
}

/** A product by id with everything it embeds, whatever its organization (callers check tenancy). */
export function findProduct(db: Queryable, id: string): Promise<LoadedProduct | undefined> {
  return repository.findById(db, id);
}

/** A price by id, archived or not (checkouts and orders keep reading theirs), with its organization and its catalog version. */
export function findPrice(db: Queryable, id: string) {
  return repository.findPrice(db, id);
}

export type PriceWithOrganization = NonNullable<Awaited<ReturnType<typeof repository.findPrice>>>;

/**
 * Products and prices as of their organization's catalog version, which the caller read in the
 * same statement as the row naming them (a checkout): the checkout flow reads them on every
 * request, and the version makes a cached copy exact, as for pages of products. A copy read after
 * the version may be newer than it, never older. Not for transactions that change the catalog
 * (their version is not yet committed, and may never be).
 */
const productsAt = new LruCache<LoadedProduct>(2000);
const pricesAt = new LruCache<PriceWithOrganization>(5000);

export function findProductAt(db: Queryable, id: string, version: number | undefined): Promise<LoadedProduct | undefined> {
  return productsAt.readThrough(id, version, () => repository.findById(db, id));
}

export function findPriceAt(db: Queryable, id: string, version: number | undefined): Promise<PriceWithOrganization | undefined> {
  return pricesAt.readThrough(id, version, () => repository.findPrice(db, id));
}

/** Products of one organization by id, with everything they embed (for other modules). */
export function listPlans(db: Queryable, organizationId: string) {
  return repository.listPlans(db, organizationId);
}

export function findProducts(db: Queryable, organizationId: string, ids: readonly string[]): Promise<LoadedProduct[]> {
  return repository.findByIds(db, organizationId, ids);
}

/** The list rules Polar's create schemas encode in their types. */
function checkPriceList(prices: PriceCreate[], issues: ValidationIssues): void {
  const loc = ['body', 'prices'];
  const types = new Set(prices.map((price) => price.type));
  if (types.size > 1) {
    issues.add(loc, 'A product cannot have both one-time and recurring prices.', prices);
    return;
  }
  if (types.has('one_time') && prices.length !== 1) {
    issues.add(loc, 'List should have at most 1 item after validation, not 2', prices, 'too_long');
    return;
  }
  if (types.has('recurring')) {
    const free = prices.filter((price) => price.amount_type === 'free');
    if (free.length > 0 && prices.length > 1) {
      issues.add(loc, 'A free recurring product has a single price.', prices, 'too_long');
      return;
    }
    const intervals = new Set(prices.map((price) => ('recurring_interval' in price ? price.recurring_interval : undefined)));
    if (intervals.size !== prices.length) issues.add(loc, 'Value error, Only one price per interval is allowed.', prices);
  }
  prices.forEach((price, index) => {
    if (price.amount_type !== 'custom') return;
    const { minimum_amount: minimum, maximum_amount: maximum, preset_amount: preset } = price;
    if (minimum != null && maximum != null && minimum > maximum) {
      issues.add([...loc, index, 'maximum_amount'], 'The maximum amount must be greater than or equal to the minimum amount.', maximum);
    }
    if (preset != null && ((minimum != null && preset < minimum) || (maximum != null && preset > maximum))) {
      issues.add([...loc, index, 'preset_amount'], 'The preset amount must be between the minimum and maximum amounts.', preset);
    }
  });
}

function priceRow(productId: string, price: PriceCreate, now: Date): Insertable<ProductPricesTable> {
  return {
    id: newId(),
    created_at: now,
    product_id: productId,
    type: price.type,
    recurring_interval: 'recurring_interval' in price ? price.recurring_interval : null,
    amount_type: price.amount_type,
    price_currency: price.amount_type === 'free' ? null : (('price_currency' in price ? price.price_currency : undefined) ?? 'usd'),
    price_amount: 'price_amount' in price ? price.price_amount : null,
    minimum_amount: price.amount_type === 'custom' ? (price.minimum_amount ?? null) : null,
    maximum_amount: price.amount_type === 'custom' ? (price.maximum_amount ?? null) : null,
    preset_amount: price.amount_type === 'custom' ? (price.preset_amount ?? null) : null,
  };
}

/** Media files and custom fields named in a body must be the organization's own. */
async function checkRelations(
  db: Queryable,
  organizationId: string,
  input: { medias?: string[] | null; attached_custom_fields?: { custom_field_id: string }[] | null },
  issues: ValidationIssues,
): Promise<void> {
  if (input.medias) {
    const found = await fileService.selectableProductMediaIds(db, organizationId, input.medias);
    input.medias.forEach((id, index) => {
      if (!found.has(id)) issues.add(['body', 'medias', index], 'File does not exist or is not yet uploaded.', id);
    });
  }
  if (input.attached_custom_fields) {
    const ids = input.attached_custom_fields.map((field) => field.custom_field_id);
    const found = await repository.existingIds(db, 'custom_fields', organizationId, ids);
    ids.forEach((id, index) => {
      if (!found.has(id)) issues.add(['body', 'attached_custom_fields', index], 'Custom field does not exist.', id);
    });
  }
}

async function reload(trx: Transaction, id: string): Promise<LoadedProduct> {
  const product = await repository.findById(trx, id);
  if (!product) throw new ResourceNotFound();
  return product;
}

export async function createProduct(trx: Transaction, config: Config, subject: MerchantSubject, input: ProductCreate): Promise<LoadedProduct> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id, 'forbidden');
  const issues = new ValidationIssues();
  checkPriceList(input.prices, issues);
  await checkRelations(trx, organizationId, input, issues);
  issues.throwIfAny();

  const now = clock.now();
  const id = newId();
  await repository.insertProduct(trx, {
    id,
    created_at: now,
    organization_id: organizationId,
    name: input.name,
    description: input.description || null,
    is_recurring: input.prices.every((price) => price.type === 'recurring'),
    metadata: input.metadata ?? {},
  });
  await repository.insertPrices(trx, input.prices.map((price) => priceRow(id, price, now)));
  if (input.medias) await repository.replaceMedias(trx, id, input.medias, now);
  if (input.attached_custom_fields) {
    await repository.replaceCustomFields(trx, id, input.attached_custom_fields.map((field) => ({ id: field.custom_field_id, required: field.required })), now);
  }
  const product = await reload(trx, id);
  await recordEvent(trx, organizationId, 'product.created', () => presentProduct(config, product));
  return product;
}

export async function updateProduct(trx: Transaction, config: Config, subject: MerchantSubject, id: string, input: ProductUpdate): Promise<LoadedProduct> {
  const visible = await repository.findVisibleById(trx, subject, id);
  if (!visible) throw new ResourceNotFound();
  const product = (await repository.lockProduct(trx, id))!;
  const issues = new ValidationIssues();
  const now = clock.now();

  let isRecurring = product.is_recurring;
  let keptPriceIds: string[] = [];
  let newPrices: PriceCreate[] = [];
  if (input.prices) {
    if (input.prices.length < 1) issues.add(['body', 'prices'], 'At least one price is required.', input.prices, 'too_short');
    const current = await repository.activePrices(trx, id);
    const currentIds = new Set(current.map((price) => price.id));
    // Polar ignores ids that are not the product's active prices.
    keptPriceIds = input.prices.flatMap((price) => ('id' in price && currentIds.has(price.id) ? [price.id] : []));
    newPrices = input.prices.filter((price): price is PriceCreate => !('id' in price));
    const kept = current.filter((price) => keptPriceIds.includes(price.id));
    const resulting = [...kept.map((price) => price as unknown as PriceCreate), ...newPrices];
    if (resulting.length > 0) checkPriceList(resulting, issues);
    else if (input.prices.length > 0) issues.add(['body', 'prices'], 'At least one price is required.', input.prices, 'too_short');
    isRecurring = resulting.length > 0 && resulting.every((price) => price.type === 'recurring');
    if (issues.issues.length === 0) {
      await repository.archivePrices(trx, current.filter((price) => !keptPriceIds.includes(price.id)).map((price) => price.id), now);
      await repository.insertPrices(trx, newPrices.map((price) => priceRow(id, price, now)));
    }
  }
  await checkRelations(trx, product.organization_id, input, issues);
  issues.throwIfAny();

  if (input.medias) await repository.replaceMedias(trx, id, input.medias, now);
  if (input.attached_custom_fields) {
    await repository.replaceCustomFields(trx, id, input.attached_custom_fields.map((field) => ({ id: field.custom_field_id, required: field.required })), now);
  }
  await repository.updateProduct(trx, id, {
    ...(input.name ? { name: input.name } : {}),
    ...(input.description !== undefined && input.description !== null ? { description: input.description || null } : {}),
    ...(input.is_archived !== undefined && input.is_archived !== null ? { is_archived: input.is_archived } : {}),
    ...(input.metadata ? { metadata: input.metadata } : {}),
    is_recurring: isRecurring,
    modified_at: now,
  });
  const updated = await reload(trx, id);
  await recordEvent(trx, product.organization_id, 'product.updated', () => presentProduct(config, updated));
  return updated;
}

/**
 * Replaces the benefits a product grants. A benefit that is not selectable (created by Polar for
 * the organization) can be neither added nor removed by the merchant.
 */
export async function updateProductBenefits(
  trx: Transaction,
  config: Config,
  subject: MerchantSubject,
  id: string,
  input: ProductBenefitsUpdate,
): Promise<LoadedProduct> {
  const visible = await repository.findVisibleById(trx, subject, id);
  if (!visible) throw new ResourceNotFound();
  const product = (await repository.lockProduct(trx, id))!;
  const previous = await repository.benefitIdsOf(trx, id);
  const requested = [...new Set(input.benefits)];
  const found = await repository.existingIds(trx, 'benefits', product.organization_id, [...new Set([...requested, ...previous])]);
  const issues = new ValidationIssues();
  requested.forEach((benefitId, index) => {
    const benefit = found.get(benefitId);
    if (!benefit) issues.add(['body', 'benefits', index], 'Benefit does not exist.', benefitId);
    else if (!benefit.selectable && !previous.includes(benefitId)) issues.add(['body', 'benefits', index], 'Benefit is not selectable.', benefitId);
  });
  previous.forEach((benefitId, index) => {
    const benefit = found.get(benefitId);
    if (benefit && !benefit.selectable && !requested.includes(benefitId)) issues.add(['body', 'benefits', index], 'Benefit is not selectable.', benefitId);
  });
  issues.throwIfAny();
  const now = clock.now();
  await repository.replaceBenefits(trx, id, requested, now);
  await repository.updateProduct(trx, id, { modified_at: now });
  const updated = await reload(trx, id);
  await recordEvent(trx, product.organization_id, 'product.updated', () => presentProduct(config, updated));
  // Existing customers gain the added benefits and lose the removed ones (the grant engine's job).
  if (previous.length !== requested.length || previous.some((benefitId) => !requested.includes(benefitId))) {
    await enqueueJob(trx, GRANT_JOBS.forProduct, { productId: id });
  }
  return updated;
}
