import type { Static } from '@sinclair/typebox';
import type { CustomFieldRow } from '../../db/schema/catalog.js';
import type { CustomField } from './schemas.js';

export function presentCustomField(row: CustomFieldRow): Static<typeof CustomField> {
  return {
    created_at: row.created_at,
    modified_at: row.modified_at,
    id: row.id,
    metadata: row.metadata,
    type: row.type,
    slug: row.slug,
    name: row.name,
    organization_id: row.organization_id,
    properties: row.properties,
  } as Static<typeof CustomField>;
}
