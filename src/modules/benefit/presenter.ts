import type { Config } from '../../config.js';
import type { BenefitRow } from '../../db/schema/catalog.js';
import { presentCustomer } from '../customer/presenter.js';
import { presentBenefitPublic } from '../product/presenter.js';
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

type BenefitLike = Omit<BenefitRow, 'created_at' | 'modified_at' | 'deleted_at'> & { created_at: Date | string; modified_at: Date | string | null };

/** What a customer who holds a benefit sees of its settings (nothing private to the merchant). */
function subscriberProperties(benefit: BenefitLike): Record<string, unknown> {
  const properties = benefit.properties;
  switch (benefit.type) {
    case 'custom':
      return { note: properties.note ?? null };
    case 'ads':
      return { image_height: properties.image_height, image_width: properties.image_width };
    case 'discord':
      return { guild_id: properties.guild_id };
    case 'github_repository':
      return { repository_owner: properties.repository_owner, repository_name: properties.repository_name };
    case 'downloadables': {
      const { files = [], archived = {} } = properties as { files?: string[]; archived?: Record<string, boolean> };
      return { active_files: files.filter((id) => !archived[id]) };
    }
    case 'license_keys':
      return { prefix: properties.prefix ?? null, expires: properties.expires ?? null, activations: properties.activations ?? null, limit_usage: properties.limit_usage ?? null };
  }
}

/** A benefit as its holders see it, with its organization (Polar's `Benefit…Subscriber`). */
export function presentBenefitSubscriber<O>(benefit: BenefitLike, organization: O) {
  return { ...presentBenefitPublic(benefit), organization, properties: subscriberProperties(benefit) };
}
