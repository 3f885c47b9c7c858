import type { Config } from '../../config.js';
import type { BenefitRow } from '../../db/schema/catalog.js';
import { presentCustomer } from '../customer/presenter.js';
import { INTEGRATIONS } from './integrations.js';
import type { LoadedGrant } from './repository.js';
import type { Benefit } from './schemas.js';

export function presentBenefit(config: Config, row: BenefitRow): Benefit {
  const present = INTEGRATIONS[row.type].presentProperties;
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    type: row.type,
    description: row.description,
    selectable: row.selectable,
    deletable: row.deletable,
    organization_id: row.organization_id,
    properties: present ? present(row.properties, config) : row.properties,
    ...(row.type === 'custom' ? { is_tax_applicable: row.is_tax_applicable } : {}),
  } as Benefit;
}

export function presentGrant(grant: LoadedGrant) {
  return {
    created_at: grant.created_at,
    modified_at: grant.modified_at,
    id: grant.id,
    granted_at: grant.granted_at,
    is_granted: grant.granted_at !== null,
    revoked_at: grant.revoked_at,
    is_revoked: grant.revoked_at !== null,
    subscription_id: grant.subscription_id,
    order_id: grant.order_id,
    customer_id: grant.customer_id,
    // Polar's deprecated alias of the customer.
    user_id: grant.customer_id,
    benefit_id: grant.benefit_id,
    customer: presentCustomer(grant.customer),
    properties: grant.properties,
    error: (grant.error as { type: string; message: string; timestamp: string } | null) ?? null,
  };
}
