// Discounts: a fixed amount or a percentage, applied once, forever, or for some months of a
// subscription; optionally behind a code (unique per organization, case-insensitive), a time
// window, a number of redemptions and a set of products. Once redeemed, what a discount is worth
// can no longer change. Deleting is soft: orders that used a discount keep showing it.
import { resolveOrganizationForCreate, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationIssues } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { presentDiscount } from './presenter.js';
import * as repository from './repository.js';
import type { LoadedDiscount } from './repository.js';
import type { Discount, DiscountCreate, DiscountListQuery, DiscountSortField, DiscountUpdate } from './schemas.js';

export type { LoadedDiscount };

const CODE_TAKEN = 'Discount with this code already exists.';

export async function listDiscounts(db: Queryable, subject: MerchantSubject, query: DiscountListQuery): Promise<Page<Discount>> {
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, query: query.query }, parseSorting<DiscountSortField>(query.sorting), query);
  return toPage(rows.map(presentDiscount), totalCount, query);
}

export async function getDiscount(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedDiscount> {
  const discount = await repository.findVisibleById(db, subject, id);
  if (!discount) throw new ResourceNotFound();
  return discount;
}

/** A discount by id even if deleted, for the orders and subscriptions that used it. */
export function findDiscount(db: Queryable, id: string): Promise<LoadedDiscount | undefined> {
  return repository.findById(db, id);
}

/**
 * The discount a checkout may apply to a product, by id or by code: living, within its window,
 * below its redemption limit, and not restricted to other products. Undefined otherwise.
 * (Taking a redemption, under a lock, is the checkout's: see redemption.ts.)
 */
export async function findApplicableDiscount(
  db: Queryable,
  organizationId: string,
  lookup: { id?: string; code?: string; productId: string },
): Promise<LoadedDiscount | undefined> {
  const discount = lookup.id ? await repository.findById(db, lookup.id) : lookup.code ? await repository.findByCode(db, organizationId, lookup.code) : undefined;
  if (!discount || discount.deleted_at || discount.organization_id !== organizationId) return undefined;
  if (discount.products.length > 0 && !discount.products.some((product) => product.id === lookup.productId)) return undefined;
  return isRedeemable(discount) ? discount : undefined;
}

/** What the discount takes off an amount in cents, as Polar computes it (percentages round half up). */
export function discountAmountOf(discount: LoadedDiscount, amount: number): number {
  if (discount.type === 'fixed') return Math.min(discount.amount ?? 0, amount);
  const exact = (amount * (discount.basis_points ?? 0)) / 10_000;
  return exact - Math.floor(exact) >= 0.5 ? Math.ceil(exact) : Math.floor(exact);
}

export function isRedeemable(discount: LoadedDiscount, now = clock.now()): boolean {
  if (discount.starts_at && discount.starts_at > now) return false;
  if (discount.ends_at && discount.ends_at < now) return false;
  return discount.max_redemptions === null || discount.redemptions < discount.max_redemptions;
}

/** Polar's code rule: 3 to 256 letters or digits; an empty code is no code. */
function normalizeCode(code: string | null | undefined, issues: ValidationIssues): string | null | undefined {
  if (code === undefined || code === null) return code;
  if (code === '') return null;
  if (!/^[\p{L}\p{N}]+$/u.test(code)) issues.add(['body', 'code'], 'Value error, Code must contain only alphanumeric characters.', code);
  else if (code.length < 3 || code.length > 256) issues.add(['body', 'code'], 'Value error, Code must be between 3 and 256 characters long.', code);
  return code;
}

function checkWindow(startsAt: Date | null | undefined, endsAt: Date | null | undefined, issues: ValidationIssues): void {
  if (startsAt && endsAt && startsAt >= endsAt) issues.add(['body'], 'Value error, starts_at must be before ends_at');
}

async function checkProducts(db: Queryable, organizationId: string, productIds: string[], issues: ValidationIssues): Promise<void> {
  const found = await repository.existingProductIds(db, organizationId, productIds);
  productIds.forEach((id, index) => {
    if (!found.has(id)) issues.add(['body', 'products', index], 'Product not found.', id);
  });
}

const toDate = (value: Date | string | null | undefined) => (value === undefined || value === null ? value : new Date(value));

export async function createDiscount(trx: Transaction, subject: MerchantSubject, input: DiscountCreate): Promise<LoadedDiscount> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  const issues = new ValidationIssues();
  const code = normalizeCode(input.code, issues);
  const startsAt = toDate(input.starts_at);
  const endsAt = toDate(input.ends_at);
  checkWindow(startsAt, endsAt, issues);
  const productIds = [...new Set(input.products ?? [])];
  await checkProducts(trx, organizationId, productIds, issues);
  if (code && (await repository.codeTaken(trx, organizationId, code))) issues.add(['body', 'code'], CODE_TAKEN, code);
  issues.throwIfAny();
  const id = newId();
  await repository.insert(trx, {
    id,
    created_at: clock.now(),
    organization_id: organizationId,
    name: input.name,
    type: input.type,
    amount: input.type === 'fixed' ? input.amount : null,
    currency: input.type === 'fixed' ? (input.currency ?? 'usd') : null,
    basis_points: input.type === 'percentage' ? input.basis_points : null,
    duration: input.duration,
    duration_in_months: input.duration === 'repeating' ? input.duration_in_months : null,
    code: code ?? null,
    starts_at: startsAt ?? null,
    ends_at: endsAt ?? null,
    max_redemptions: input.max_redemptions ?? null,
    metadata: JSON.stringify(input.metadata ?? {}),
  });
  await repository.replaceProducts(trx, id, productIds);
  return reload(trx, id);
}

async function reload(trx: Transaction, id: string): Promise<LoadedDiscount> {
  const discount = await repository.findById(trx, id);
  if (!discount) throw new ResourceNotFound();
  return discount;
}

export async function updateDiscount(trx: Transaction, subject: MerchantSubject, id: string, input: DiscountUpdate): Promise<LoadedDiscount> {
  const discount = await getDiscount(trx, subject, id);
  const issues = new ValidationIssues();
  if (input.duration && input.duration !== discount.duration) issues.add(['body', 'duration'], 'Duration cannot be changed.', input.duration);
  if (input.type && input.type !== discount.type) issues.add(['body', 'type'], 'Type cannot be changed.', input.type);
  const code = normalizeCode(input.code, issues);
  if (code && (await repository.codeTaken(trx, discount.organization_id, code, discount.id))) issues.add(['body', 'code'], CODE_TAKEN, code);
  const startsAt = toDate(input.starts_at);
  const endsAt = toDate(input.ends_at);
  checkWindow(startsAt === undefined ? discount.starts_at : startsAt, endsAt === undefined ? discount.ends_at : endsAt, issues);
  if (discount.redemptions > 0) {
    // What a used discount is worth is part of the orders that used it. Only the fields of its own
    // type count: the SDK sends `currency: "usd"` with every update, percentage or not.
    const worth = { amount: discount.amount, currency: discount.currency, basis_points: discount.basis_points } as const;
    const fields = discount.type === 'fixed' ? (['amount', 'currency'] as const) : (['basis_points'] as const);
    for (const field of fields) {
      const value = input[field];
      if (value !== undefined && value !== null && value !== worth[field]) {
        issues.add(['body', field], 'This field cannot be changed because the discount has already been redeemed.', worth[field]);
      }
    }
  }
  if (input.products) await checkProducts(trx, discount.organization_id, input.products, issues);
  issues.throwIfAny();

  const isFixed = discount.type === 'fixed';
  await repository.update(trx, discount.id, {
    modified_at: clock.now(),
    ...(input.name ? { name: input.name } : {}),
    ...(code !== undefined ? { code } : {}),
    ...(startsAt !== undefined ? { starts_at: startsAt } : {}),
    ...(endsAt !== undefined ? { ends_at: endsAt } : {}),
    ...(input.max_redemptions !== undefined ? { max_redemptions: input.max_redemptions } : {}),
    ...(input.duration_in_months && discount.duration === 'repeating' ? { duration_in_months: input.duration_in_months } : {}),
    ...(isFixed && typeof input.amount === 'number' ? { amount: input.amount } : {}),
    ...(isFixed && input.currency ? { currency: input.currency } : {}),
    ...(!isFixed && typeof input.basis_points === 'number' ? { basis_points: input.basis_points } : {}),
    ...(input.metadata ? { metadata: JSON.stringify(input.metadata) } : {}),
  });
  if (input.products) await repository.replaceProducts(trx, discount.id, [...new Set(input.products)]);
  return reload(trx, discount.id);
}

export async function deleteDiscount(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const discount = await getDiscount(trx, subject, id);
  const now = clock.now();
  await repository.update(trx, discount.id, { deleted_at: now, modified_at: now });
}
