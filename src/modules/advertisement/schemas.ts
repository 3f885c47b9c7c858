// The shapes of advertisement campaigns: Polar's public AdvertisementCampaign and its list (with
// the benefit's image dimensions), and Floe's AdvertisementCampaignUpdate, with which the customer
// holding an `ads` grant fills its campaign in (Polar leaves campaign management out of its API).
import { Type, type Static } from '@sinclair/typebox';
import { ListResource, PaginationQuery } from '../../kit/pagination.js';
import { Nullable, Timestamps, UUID } from '../../kit/schemas.js';
import { SortingQuery } from '../../kit/sorting.js';

export const AdvertisementCampaign = Type.Object({
  ...Timestamps,
  id: UUID,
  image_url: Type.String(),
  image_url_dark: Nullable(Type.String()),
  text: Type.String(),
  link_url: Type.String(),
});
export type AdvertisementCampaign = Static<typeof AdvertisementCampaign>;

export const AdvertisementCampaignListResource = Type.Object({
  ...ListResource(AdvertisementCampaign).properties,
  dimensions: Type.Array(Type.Integer(), { minItems: 2, maxItems: 2, description: 'The dimensions (width, height) in pixels of the advertisement images.' }),
});
export type AdvertisementCampaignListResource = Static<typeof AdvertisementCampaignListResource>;

export const ADVERTISEMENT_SORT_FIELDS = ['created_at', 'granted_at', 'views', 'clicks'] as const;
export type AdvertisementSortProperty = (typeof ADVERTISEMENT_SORT_FIELDS)[number];

export const AdvertisementListQuery = Type.Object({
  benefit_id: UUID,
  ...PaginationQuery,
  sorting: SortingQuery(ADVERTISEMENT_SORT_FIELDS, ['granted_at']),
});
export type AdvertisementListQuery = Static<typeof AdvertisementListQuery>;

/** URLs are checked by the service (http or https only), so the portal's forms get the same rules. */
export const AdvertisementCampaignUpdate = Type.Object({
  image_url: Type.String({ description: 'The image shown in light mode (an http or https URL).' }),
  image_url_dark: Type.Optional(Nullable(Type.String({ description: 'The image shown in dark mode; none to use the light one.' }))),
  text: Type.String({ description: 'The text of the ad.' }),
  link_url: Type.String({ description: 'Where the ad leads (an http or https URL).' }),
});
export type AdvertisementCampaignUpdate = Static<typeof AdvertisementCampaignUpdate>;

/** An image for a campaign, uploaded through the files flow: created with its single part, then completed. */
export const AdvertisementImageCreate = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 255 }),
  mime_type: Type.String(),
  size: Type.Integer({ minimum: 1 }),
  checksum_sha256_base64: Type.Optional(Nullable(Type.String())),
});
export type AdvertisementImageCreate = Static<typeof AdvertisementImageCreate>;
