import type { Static } from '@sinclair/typebox';
import type { LoadedDiscount } from './repository.js';
import type { Discount, DiscountBase } from './schemas.js';

/** The discount as embedded elsewhere (orders, subscriptions, checkouts): without its products. */
export function presentDiscountBase(row: LoadedDiscount): Static<typeof DiscountBase> {
  const base = {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    metadata: row.metadata,
    name: row.name,
    code: row.code,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    max_redemptions: row.max_redemptions,
    redemptions_count: row.redemptions,
    organization_id: row.organization_id,
  };
  const amount = row.type === 'fixed' ? { type: 'fixed' as const, amount: row.amount ?? 0, currency: row.currency ?? 'usd' } : { type: 'percentage' as const, basis_points: row.basis_points ?? 0 };
  const duration = row.duration === 'repeating' ? { duration: 'repeating' as const, duration_in_months: row.duration_in_months ?? 1 } : { duration: row.duration };
  return { ...base, ...amount, ...duration } as Static<typeof DiscountBase>;
}

export function presentDiscount(row: LoadedDiscount): Discount {
  return { ...presentDiscountBase(row), products: row.products } as Discount;
}
