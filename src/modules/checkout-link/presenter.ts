import type { Config } from '../../config.js';
import type { CheckoutLinkRow } from '../../db/schema/commerce.js';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { presentCheckoutProduct } from '../checkout/presenter.js';
import { presentDiscountBase } from '../discount/presenter.js';
import type { LoadedDiscount } from '../discount/service.js';
import { presentPrice } from '../product/presenter.js';
import type { LoadedProduct } from '../product/service.js';

export interface LoadedCheckoutLink {
  link: CheckoutLinkRow;
  product: LoadedProduct;
  price: ProductPriceRow | undefined;
  discount: LoadedDiscount | undefined;
}

export function linkUrl(config: Config, clientSecret: string): string {
  return `${config.baseUrl}/v1/checkout-links/${clientSecret}/redirect`;
}

export function presentCheckoutLink(config: Config, { link, product, price, discount }: LoadedCheckoutLink) {
  return {
    created_at: link.created_at,
    modified_at: link.modified_at,
    id: link.id,
    metadata: link.metadata,
    payment_processor: 'stripe' as const,
    client_secret: link.client_secret,
    success_url: link.success_url,
    label: link.label,
    allow_discount_codes: link.allow_discount_codes,
    product_id: link.product_id,
    product_price_id: link.product_price_id,
    discount_id: link.discount_id,
    product: presentCheckoutProduct(config, product),
    product_price: price ? presentPrice(price) : null,
    discount: discount ? presentDiscountBase(discount) : null,
    url: linkUrl(config, link.client_secret),
  };
}
