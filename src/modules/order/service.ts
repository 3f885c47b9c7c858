// Orders: what was bought, by whom, for how much. Written by a checkout's success (and, later,
// by renewals); read here. An invoice is a PDF Floe renders, behind a signed, expiring URL.
import type { Config } from '../../config.js';
import type { OrderRow } from '../../db/schema/commerce.js';
import type { CustomerSubject, MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable } from '../../kit/db.js';
import { ResourceNotFound } from '../../kit/errors.js';
import { toPage } from '../../kit/pagination.js';
import { renderPdf, type PdfLine } from '../../kit/pdf.js';
import { signGrant, verifyGrant } from '../../kit/signing.js';
import { parseSorting } from '../../kit/sorting.js';
import { findCustomer } from '../customer/service.js';
import { findDiscount } from '../discount/service.js';
import { getOrganizationById } from '../organization/service.js';
import { findPrice, findProduct } from '../product/service.js';
import { presentOrder, type LoadedOrder } from './presenter.js';
import * as repository from './repository.js';
import type { OrderSortField } from './repository.js';
import type { OrderListQuery } from './schemas.js';

const INVOICE_URL_LIFETIME_MS = 60 * 60 * 1000;
const INVOICE_PURPOSE = 'order_invoice';

export async function loadOrder(db: Queryable, order: OrderRow): Promise<LoadedOrder> {
  const [customer, product, price, discount, subscription] = await Promise.all([
    findCustomer(db, order.customer_id),
    findProduct(db, order.product_id),
    findPrice(db, order.product_price_id),
    order.discount_id ? findDiscount(db, order.discount_id) : Promise.resolve(undefined),
    order.subscription_id ? db.selectFrom('subscriptions').selectAll().where('id', '=', order.subscription_id).executeTakeFirst() : Promise.resolve(undefined),
  ]);
  if (!customer || !product || !price) throw new Error(`order ${order.id} lost its customer, product or price`);
  return { order, customer, product, price, discount, subscription };
}

/** How many orders the organization has, by billing reason (`purchase`, `subscription_create`, …). */
export function countOrdersByBillingReason(db: Queryable, organizationId: string): Promise<Record<string, number>> {
  return repository.countByBillingReason(db, organizationId);
}

/** How many orders the organization has had since the instant (renewals of a test clock's advance among them). */
export function countOrdersCreatedAfter(db: Queryable, organizationId: string, after: Date): Promise<number> {
  return repository.countCreatedAfter(db, organizationId, after);
}

export async function listOrders(db: Queryable, subject: MerchantSubject, query: OrderListQuery) {
  const { rows, totalCount } = await repository.listVisible(
    db,
    subject,
    { organizationId: query.organization_id, productId: query.product_id, productPriceType: query.product_price_type, discountId: query.discount_id, customerId: query.customer_id, checkoutId: query.checkout_id },
    parseSorting<OrderSortField>(query.sorting),
    query,
  );
  const loaded = await Promise.all(rows.map((row) => loadOrder(db, row)));
  return toPage(loaded.map(presentOrder), totalCount, query);
}

export async function getOrder(db: Queryable, subject: MerchantSubject | CustomerSubject, id: string): Promise<LoadedOrder> {
  const order = await repository.findVisibleById(db, subject, id);
  if (!order) throw new ResourceNotFound();
  return loadOrder(db, order);
}

/** A signed URL to the order's invoice, valid for an hour. */
export async function invoiceUrl(db: Queryable, config: Config, subject: MerchantSubject | CustomerSubject, id: string): Promise<string> {
  const { order } = await getOrder(db, subject, id);
  const token = signGrant(config.secret, INVOICE_PURPOSE, { order_id: order.id }, new Date(clock.now().getTime() + INVOICE_URL_LIFETIME_MS));
  return `${config.baseUrl}/v1/orders/invoice.pdf?token=${token}`;
}

const money = (cents: number, currency: string) => `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;

/** The invoice a signed URL grants, as a PDF. */
export async function renderInvoice(db: Queryable, config: Config, token: string): Promise<{ filename: string; pdf: Buffer }> {
  const verified = verifyGrant<{ order_id: string }>(config.secret, INVOICE_PURPOSE, token);
  if (!verified.ok) throw new ResourceNotFound(verified.reason === 'expired' ? 'This invoice link has expired.' : 'Not found');
  const order = await db.selectFrom('orders').selectAll().where('id', '=', verified.payload.order_id).executeTakeFirst();
  if (!order) throw new ResourceNotFound();
  const { customer, product, discount } = await loadOrder(db, order);
  const seller = await getOrganizationById(db, order.organization_id);
  const address = order.billing_address ?? customer.billing_address;
  const lines: PdfLine[] = [
    { text: 'Invoice', size: 22, bold: true },
    { text: `Invoice number: ${order.id}`, gap: 8 },
    { text: `Date: ${order.created_at.toISOString().slice(0, 10)}` },
    { text: 'From', bold: true, gap: 14 },
    { text: seller.name },
    { text: 'Bill to', bold: true, gap: 14 },
    { text: customer.name ?? customer.email },
    { text: customer.email },
    ...(address ? [{ text: [address.line1, address.line2, address.postal_code, address.city, address.state, address.country].filter(Boolean).join(', ') }] : []),
    { text: 'Item', bold: true, gap: 14 },
    { text: product.name },
    ...(discount ? [{ text: `Discount: ${discount.name}` }] : []),
    { text: `Subtotal: ${money(order.amount, order.currency)}`, gap: 10 },
    { text: `Tax: ${money(order.tax_amount, order.currency)}` },
    { text: `Total: ${money(order.amount + order.tax_amount, order.currency)}`, bold: true },
  ];
  return { filename: `invoice-${order.id}.pdf`, pdf: renderPdf(lines, `Invoice ${order.id}`) };
}
