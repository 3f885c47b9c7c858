// The only place advertisement_campaigns is read or written. A campaign is readable (public) while
// it is not deleted and the most recent granted grant naming it (by granted_at) exists: a revoked
// or deleted grant no longer shows its campaign. Grants name campaigns in their properties.
import { sql, type Insertable } from 'kysely';
import type { AdvertisementCampaignRow } from '../../db/schema/delivery.js';
import type { Tables } from '../../db/schema/index.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';
import type { SortCriterion } from '../../kit/sorting.js';
import type { AdvertisementSortProperty } from './schemas.js';

const CURRENT_GRANT = sql<string>`(
  SELECT g.id FROM benefit_grants g
  WHERE g.deleted_at IS NULL AND g.granted_at IS NOT NULL AND g.revoked_at IS NULL
    AND g.properties ? 'advertisement_campaign_id'
    AND g.properties ->> 'advertisement_campaign_id' = advertisement_campaigns.id::text
  ORDER BY g.granted_at DESC LIMIT 1)`;

function readable(db: Queryable) {
  return db
    .selectFrom('advertisement_campaigns')
    .innerJoin('benefit_grants', (join) => join.on(sql<boolean>`benefit_grants.id = ${CURRENT_GRANT}`))
    .innerJoin('benefits', 'benefits.id', 'benefit_grants.benefit_id')
    .selectAll('advertisement_campaigns')
    .where('benefits.type', '=', 'ads')
    .where('advertisement_campaigns.deleted_at', 'is', null);
}

const SORT_COLUMNS = {
  created_at: 'advertisement_campaigns.created_at',
  granted_at: 'benefit_grants.granted_at',
  views: 'advertisement_campaigns.views',
  clicks: 'advertisement_campaigns.clicks',
} as const satisfies Record<AdvertisementSortProperty, string>;

export function listReadable(db: Queryable, benefitId: string, sorting: SortCriterion<AdvertisementSortProperty>[], page: PageRequest) {
  let query = readable(db).where('benefit_grants.benefit_id', '=', benefitId);
  for (const { field, direction } of sorting) query = query.orderBy(SORT_COLUMNS[field], direction);
  return paginate(query.orderBy('advertisement_campaigns.id'), page);
}

export function findReadable(db: Queryable, id: string): Promise<AdvertisementCampaignRow | undefined> {
  return readable(db).where('advertisement_campaigns.id', '=', id).executeTakeFirst();
}

/** The campaign under an id, whatever its grants (the holder's own view on the portal). */
export function findById(db: Queryable, id: string): Promise<AdvertisementCampaignRow | undefined> {
  return db.selectFrom('advertisement_campaigns').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function countView(trx: Transaction, id: string): Promise<void> {
  await trx
    .updateTable('advertisement_campaigns')
    .set((eb) => ({ views: eb('views', '+', 1) }))
    .where('id', '=', id)
    .execute();
}

type CampaignContent = Pick<Insertable<Tables['advertisement_campaigns']>, 'image_url' | 'image_url_dark' | 'text' | 'link_url'>;

/**
 * Writes the campaign under its reserved id: created the first time, replaced afterwards, only
 * ever by the customer it was created for (undefined otherwise).
 */
export function upsert(trx: Transaction, id: string, customerId: string, content: CampaignContent, now: Date): Promise<AdvertisementCampaignRow | undefined> {
  return trx
    .insertInto('advertisement_campaigns')
    .values({ id, created_at: now, customer_id: customerId, ...content })
    .onConflict((conflict) =>
      conflict
        .column('id')
        .doUpdateSet({ ...content, modified_at: now, deleted_at: null })
        .where('advertisement_campaigns.customer_id', '=', customerId),
    )
    .returningAll()
    .executeTakeFirst();
}
