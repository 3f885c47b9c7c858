// A checkout as the API shows it, with the amounts and flags Polar derives from its price, its
// discount and its tax.
import type { Config } from '../../config.js';
import type { VersionedCheckout } from './repository.js';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { presentDiscountBase } from '../discount/presenter.js';
import { discountAmountOf, type LoadedDiscount } from '../discount/service.js';
import { presentOrganization } from '../organization/service.js';
import type { PresentedOrganization } from '../organization/repository.js';
import { presentBenefitPublic, presentPrice, presentProduct } from '../product/presenter.js';
import type { LoadedProduct } from '../product/service.js';
import type { Checkout, CheckoutPublic } from './schemas.js';

export interface LoadedCheckout {
  checkout: VersionedCheckout;
  product: LoadedProduct;
  price: ProductPriceRow;
  discount: LoadedDiscount | undefined;
}

/** The amounts and flags of a checkout, as Polar's model derives them. */
export function derive({ checkout, price, discount }: Pick<LoadedCheckout, 'checkout' | 'price' | 'discount'>) {
  const subtotal = checkout.amount === null ? null : checkout.amount - (discount ? discountAmountOf(discount, checkout.amount) : 0);
  const total = subtotal === null ? null : subtotal + (checkout.tax_amount ?? 0);
  const isFree = price.amount_type === 'free';
  const isPaymentRequired = total !== null && total > 0;
  const isPaymentSetupRequired = price.type === 'recurring' && !isFree;
  return {
    subtotal_amount: subtotal,
    total_amount: total,
    is_discount_applicable: price.amount_type === 'fixed',
    is_free_product_price: isFree,
    is_payment_required: isPaymentRequired,
    is_payment_setup_required: isPaymentSetupRequired,
    is_payment_form_required: isPaymentRequired || isPaymentSetupRequired,
  };
}

export function checkoutUrl(config: Config, clientSecret: string): string {
  return `${config.baseUrl}/checkout/${clientSecret}`;
}

/** The product as checkouts and checkout links embed it: prices, public benefits, medias. */
export function presentCheckoutProduct(config: Config, product: LoadedProduct) {
  const full = presentProduct(config, product);
  return {
    created_at: full.created_at,
    modified_at: full.modified_at,
    id: full.id,
    name: full.name,
    description: full.description,
    is_recurring: full.is_recurring,
    is_archived: full.is_archived,
    organization_id: full.organization_id,
    prices: full.prices,
    benefits: product.benefits.map(presentBenefitPublic),
    medias: full.medias,
  };
}

function presentCommon(config: Config, loaded: LoadedCheckout) {
  const { checkout, product, price, discount } = loaded;
  return {
    created_at: checkout.created_at,
    modified_at: checkout.modified_at,
    id: checkout.id,
    custom_field_data: checkout.custom_field_data,
    payment_processor: 'stripe' as const,
    status: checkout.status,
    client_secret: checkout.client_secret,
    url: checkoutUrl(config, checkout.client_secret),
    expires_at: checkout.expires_at,
    // Polar's default success page is the checkout's own confirmation page.
    success_url: (checkout.success_url ?? `${checkoutUrl(config, checkout.client_secret)}/confirmation`).replaceAll('{CHECKOUT_ID}', checkout.id),
    embed_origin: checkout.embed_origin,
    amount: checkout.amount,
    tax_amount: checkout.tax_amount,
    currency: checkout.currency,
    ...derive(loaded),
    product_id: checkout.product_id,
    product_price_id: checkout.product_price_id,
    discount_id: checkout.discount_id,
    allow_discount_codes: checkout.allow_discount_codes,
    customer_id: checkout.customer_id,
    customer_name: checkout.customer_name,
    customer_email: checkout.customer_email,
    customer_ip_address: checkout.customer_ip_address,
    customer_billing_address: checkout.customer_billing_address,
    customer_tax_id: checkout.customer_tax_id,
    payment_processor_metadata: checkout.payment_processor_metadata as Record<string, string>,
    product: presentCheckoutProduct(config, product),
    product_price: presentPrice(price),
    discount: discount ? presentDiscountBase(discount) : null,
    attached_custom_fields: presentProduct(config, product).attached_custom_fields,
  };
}

export function presentCheckout(config: Config, loaded: LoadedCheckout): Checkout {
  return {
    ...presentCommon(config, loaded),
    subscription_id: loaded.checkout.subscription_id,
    metadata: loaded.checkout.metadata,
    customer_metadata: loaded.checkout.customer_metadata,
  } as Checkout;
}

export function presentCheckoutPublic(config: Config, loaded: LoadedCheckout, organization: PresentedOrganization): CheckoutPublic {
  return { ...presentCommon(config, loaded), organization: presentOrganization(organization) } as CheckoutPublic;
}
