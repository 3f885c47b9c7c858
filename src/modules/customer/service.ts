// Customers of an organization: whoever buys, identified by email (unique among the organization's
// living customers, case-insensitively). Checkouts find or create them by email; merchants manage
// them through the API. Deleting is soft: orders and subscriptions keep their customer.
import type { CustomerRow, PaymentMethodRow } from '../../db/schema/commerce.js';
import type { SavedPaymentMethod } from '../../payments/processor.js';
import { resolveOrganizationForCreate, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import { presentCustomer } from './presenter.js';
import * as repository from './repository.js';
import type { CustomerCreate, CustomerListQuery, CustomerSortField, CustomerUpdate } from './schemas.js';

const EMAIL_TAKEN = 'A customer with this email address already exists.';

export async function listCustomers(db: Queryable, subject: MerchantSubject, query: CustomerListQuery) {
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, query: query.query }, parseSorting<CustomerSortField>(query.sorting), query);
  return toPage(rows.map(presentCustomer), totalCount, query);
}

export async function getCustomer(db: Queryable, subject: MerchantSubject, id: string): Promise<CustomerRow> {
  const customer = await repository.findVisibleById(db, subject, id);
  if (!customer) throw new ResourceNotFound();
  return customer;
}

/** A customer by id, for modules that hold its id (orders, sessions). */
export function findCustomer(db: Queryable, id: string): Promise<CustomerRow | undefined> {
  return repository.findById(db, id);
}

/** Customers by id, keyed by it (a batch of renewals reads its customers at once). */
export async function findCustomers(db: Queryable, ids: readonly string[]): Promise<Map<string, CustomerRow>> {
  const rows = await repository.findByIds(db, [...new Set(ids)]);
  return new Map(rows.map((row) => [row.id, row]));
}

export async function createCustomer(trx: Transaction, subject: MerchantSubject, input: CustomerCreate): Promise<CustomerRow> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  if (await repository.findByEmail(trx, organizationId, input.email)) throw new ValidationError(['body', 'email'], EMAIL_TAKEN, input.email);
  return repository.insert(trx, {
    id: newId(),
    created_at: clock.now(),
    organization_id: organizationId,
    email: input.email,
    name: input.name ?? null,
    billing_address: input.billing_address ? JSON.stringify(input.billing_address) : null,
    tax_id: input.tax_id ? JSON.stringify(input.tax_id) : null,
    metadata: JSON.stringify({}),
  });
}

/**
 * The organization's customer with this email, created when there is none, its name and billing
 * address updated to those given: what a checkout does when it is confirmed. One statement, so
 * concurrent calls for one email meet on the unique index rather than race.
 */
export function upsertCustomerByEmail(trx: Transaction, organizationId: string, input: { email: string; name?: string | null; billingAddress?: object | null }): Promise<CustomerRow> {
  return repository.upsertByEmail(trx, {
    id: newId(),
    now: clock.now(),
    organizationId,
    email: input.email,
    name: input.name || null,
    billingAddress: input.billingAddress ?? null,
  });
}

/**
 * upsertCustomerByEmail for many buyers at once (a batch of purchases): one statement; answers the
 * customers keyed by lower-cased email. Emails given twice are taken once, with the first details.
 * `now`: the organization's time, when its test clock is ahead.
 */
export async function upsertCustomersByEmail(
  trx: Transaction,
  organizationId: string,
  inputs: { email: string; name?: string | null; billingAddress?: object | null }[],
  now: Date = clock.now(),
): Promise<Map<string, CustomerRow>> {
  const distinct = new Map<string, { id: string; email: string; name: string | null; billingAddress: object | null }>();
  for (const input of inputs) {
    const key = input.email.toLowerCase();
    if (!distinct.has(key)) distinct.set(key, { id: newId(), email: input.email, name: input.name || null, billingAddress: input.billingAddress ?? null });
  }
  const rows = await repository.upsertManyByEmail(trx, { now, organizationId, customers: [...distinct.values()] });
  return new Map(rows.map((row) => [row.email.toLowerCase(), row]));
}

export async function updateCustomer(trx: Transaction, subject: MerchantSubject, id: string, input: CustomerUpdate): Promise<CustomerRow> {
  const customer = await getCustomer(trx, subject, id);
  if (input.email && input.email.toLowerCase() !== customer.email.toLowerCase()) {
    const other = await repository.findByEmail(trx, customer.organization_id, input.email);
    if (other && other.id !== customer.id) throw new ValidationError(['body', 'email'], EMAIL_TAKEN, input.email);
  }
  return repository.update(trx, customer.id, {
    modified_at: clock.now(),
    ...(input.email ? { email: input.email, email_verified: false } : {}),
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.billing_address !== undefined ? { billing_address: input.billing_address ? JSON.stringify(input.billing_address) : null } : {}),
    ...(input.tax_id !== undefined ? { tax_id: input.tax_id ? JSON.stringify(input.tax_id) : null } : {}),
  });
}

export async function deleteCustomer(trx: Transaction, subject: MerchantSubject, id: string): Promise<void> {
  const customer = await getCustomer(trx, subject, id);
  const now = clock.now();
  await repository.update(trx, customer.id, { deleted_at: now, modified_at: now });
}

/** Keeps a card the processor saved for the customer (a subscription's checkout, a replaced card); answers its id. */
export async function savePaymentMethod(trx: Transaction, customer: Pick<CustomerRow, 'id' | 'organization_id'>, method: SavedPaymentMethod): Promise<string> {
  const id = newId();
  await repository.insertPaymentMethod(trx, { id, created_at: clock.now(), organization_id: customer.organization_id, customer_id: customer.id, processor_id: method.id, brand: method.brand, last4: method.last4 });
  return id;
}

/** savePaymentMethod for many customers in one statement; answers the saved cards' ids, in order. */
export async function savePaymentMethods(trx: Transaction, methods: { customer: Pick<CustomerRow, 'id' | 'organization_id'>; method: SavedPaymentMethod }[], now: Date = clock.now()): Promise<string[]> {
  const rows = methods.map(({ customer, method }) => ({ id: newId(), created_at: now, organization_id: customer.organization_id, customer_id: customer.id, processor_id: method.id, brand: method.brand, last4: method.last4 }));
  await repository.insertPaymentMethods(trx, rows);
  return rows.map((row) => row.id);
}

/** Saved cards by id, keyed by it. */
export async function findPaymentMethods(db: Queryable, ids: readonly string[]): Promise<Map<string, PaymentMethodRow>> {
  const rows = await repository.findPaymentMethodsByIds(db, [...new Set(ids)]);
  return new Map(rows.map((row) => [row.id, row]));
}
