import { createHash } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import type { CustomerRow } from '../../db/schema/commerce.js';
import type { Customer } from './schemas.js';

/** Gravatar by the SHA-256 of the lowercased email, as Polar shows customers. */
export function avatarUrlOf(email: string): string {
  return `https://www.gravatar.com/avatar/${createHash('sha256').update(email.toLowerCase()).digest('hex')}?d=blank`;
}

/** A customer row, or the same row as PostgreSQL renders it in JSON (timestamps as text). */
type CustomerLike = Omit<CustomerRow, 'created_at' | 'modified_at' | 'deleted_at'> & { created_at: Date | string; modified_at: Date | string | null };

export function presentCustomer(row: CustomerLike): Static<typeof Customer> {
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    metadata: row.metadata,
    email: row.email,
    email_verified: row.email_verified,
    name: row.name,
    billing_address: row.billing_address,
    tax_id: row.tax_id,
    organization_id: row.organization_id,
    avatar_url: avatarUrlOf(row.email),
  };
}
