// The API shapes of a product and what it embeds (prices, benefits, medias, attached custom fields).
import type { Config } from '../../config.js';
import { presentProductMedia } from '../file/service.js';
import { INTEGRATIONS } from '../benefit/integrations.js';
import type { JsonBenefit, JsonPrice, LoadedProduct } from './repository.js';
import type { Product, ProductPrice } from './schemas.js';

type PriceLike = Pick<JsonPrice, 'id' | 'product_id' | 'type' | 'recurring_interval' | 'amount_type' | 'price_currency' | 'price_amount' | 'minimum_amount' | 'maximum_amount' | 'preset_amount' | 'is_archived'> & {
  created_at: string | Date;
  modified_at: string | Date | null;
};

export function presentPrice(price: PriceLike): ProductPrice {
  const base = {
    created_at: price.created_at,
    modified_at: price.modified_at,
    id: price.id,
    is_archived: price.is_archived,
    product_id: price.product_id,
    type: price.type,
    ...(price.type === 'recurring' ? { recurring_interval: price.recurring_interval ?? 'month' } : {}),
  };
  if (price.amount_type === 'fixed') return { ...base, amount_type: 'fixed', price_currency: price.price_currency ?? 'usd', price_amount: price.price_amount ?? 0 } as ProductPrice;
  if (price.amount_type === 'custom') {
    return {
      ...base,
      amount_type: 'custom',
      price_currency: price.price_currency ?? 'usd',
      minimum_amount: price.minimum_amount,
      maximum_amount: price.maximum_amount,
      preset_amount: price.preset_amount,
    } as ProductPrice;
  }
  return { ...base, amount_type: 'free' } as ProductPrice;
}

export function presentBenefitPublic(benefit: Omit<JsonBenefit, 'created_at' | 'modified_at' | 'deleted_at'> & { created_at: Date | string; modified_at: Date | string | null }) {
  return {
    created_at: benefit.created_at,
    modified_at: benefit.modified_at,
    id: benefit.id,
    type: benefit.type,
    description: benefit.description,
    selectable: benefit.selectable,
    deletable: benefit.deletable,
    organization_id: benefit.organization_id,
  };
}

/** A benefit in full, its properties as the benefits API shows them (a Discord server's token). */
export function presentBenefit(config: Config, benefit: JsonBenefit) {
  const present = INTEGRATIONS[benefit.type].presentProperties;
  return { ...presentBenefitPublic(benefit), is_tax_applicable: benefit.is_tax_applicable, properties: present ? present(benefit.properties, config) : benefit.properties };
}

export function presentProduct(config: Config, product: LoadedProduct): Product {
  return {
    created_at: product.created_at,
    modified_at: product.modified_at,
    id: product.id,
    name: product.name,
    description: product.description,
    is_recurring: product.is_recurring,
    is_archived: product.is_archived,
    organization_id: product.organization_id,
    metadata: product.metadata,
    prices: product.prices.map(presentPrice),
    benefits: product.benefits.map((benefit) => presentBenefit(config, benefit)),
    medias: product.medias.map((file) => presentProductMedia(config, file)),
    attached_custom_fields: product.attached_custom_fields.map((attached) => ({
      custom_field_id: attached.custom_field.id,
      custom_field: {
        created_at: attached.custom_field.created_at,
        modified_at: attached.custom_field.modified_at,
        id: attached.custom_field.id,
        metadata: attached.custom_field.metadata,
        type: attached.custom_field.type,
        slug: attached.custom_field.slug,
        name: attached.custom_field.name,
        organization_id: attached.custom_field.organization_id,
        properties: attached.custom_field.properties,
      },
      order: attached.order,
      required: attached.required,
    })),
  };
}
