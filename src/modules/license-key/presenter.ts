import type { LicenseKeyActivationRow } from '../../db/schema/delivery.js';
import { avatarUrlOf, presentCustomer } from '../customer/presenter.js';
import type { JsonCustomer, LoadedLicenseKey } from './repository.js';
import type { LicenseKeyRead } from './schemas.js';

/** What customers see of a key they do not hold in full: its last six characters. */
export function displayKeyOf(key: string): string {
  return `****-${key.slice(-6)}`;
}

/** The customer as Polar's deprecated `user` of a key shows it. */
function presentLicenseKeyUser(customer: JsonCustomer) {
  return { id: customer.id, email: customer.email, public_name: (customer.name ?? customer.email).slice(0, 1), avatar_url: avatarUrlOf(customer.email) };
}

export function presentLicenseKey(key: LoadedLicenseKey): LicenseKeyRead {
  return {
    id: key.id,
    organization_id: key.organization_id,
    user_id: key.customer_id,
    customer_id: key.customer_id,
    user: presentLicenseKeyUser(key.customer),
    customer: presentCustomer(key.customer),
    benefit_id: key.benefit_id,
    key: key.key,
    display_key: displayKeyOf(key.key),
    status: key.status,
    limit_activations: key.limit_activations,
    usage: key.usage,
    limit_usage: key.limit_usage,
    validations: key.validations,
    last_validated_at: key.last_validated_at,
    expires_at: key.expires_at,
  };
}

type ActivationLike = Omit<LicenseKeyActivationRow, 'created_at' | 'modified_at' | 'deleted_at'> & { created_at: Date | string; modified_at: Date | string | null };

export function presentActivation(activation: ActivationLike) {
  return {
    id: activation.id,
    license_key_id: activation.license_key_id,
    label: activation.label,
    meta: activation.meta,
    created_at: activation.created_at,
    modified_at: activation.modified_at,
  };
}
