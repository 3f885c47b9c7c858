import type { Config } from '../../config.js';
import type { CustomerRow, SubscriptionRow } from '../../db/schema/commerce.js';
import type { ProductPriceRow } from '../../db/schema/catalog.js';
import { presentCustomer } from '../customer/presenter.js';
import { presentDiscountBase } from '../discount/presenter.js';
import type { LoadedDiscount } from '../discount/service.js';
import { presentSubscriptionBase, presentUser } from '../order/presenter.js';
import { presentPrice, presentProduct } from '../product/presenter.js';
import type { LoadedProduct } from '../product/service.js';

export interface LoadedSubscription {
  subscription: SubscriptionRow;
  customer: CustomerRow;
  product: LoadedProduct;
  price: ProductPriceRow;
  discount: LoadedDiscount | undefined;
}

/** A subscription as the API (and its webhooks) show it. */
export function presentSubscription(config: Config, { subscription, customer, product, price, discount }: LoadedSubscription) {
  return {
    ...presentSubscriptionBase(subscription),
    customer: presentCustomer(customer),
    user: presentUser(customer),
    product: presentProduct(config, product),
    price: presentPrice(price),
    discount: discount ? presentDiscountBase(discount) : null,
  };
}
