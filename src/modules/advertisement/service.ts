// Advertisement campaigns. An `ads` grant reserves its campaign's id in its properties when it is
// first granted; the customer holding the grant fills the campaign in (images, text, link) on its
// portal, images uploaded through the files flow; the merchant's site lists the campaigns of a
// benefit (public) to show them, with the benefit's image dimensions, and counts their views. A
// campaign is public only while a current grant names it: revoked, it drops out of the list.
import type { Config } from '../../config.js';
import type { AdvertisementCampaignRow } from '../../db/schema/delivery.js';
import type { CustomerSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound, ValidationError, ValidationIssues } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { parseSorting } from '../../kit/sorting.js';
import type { Storage } from '../../storage/storage.js';
import * as benefitRepository from '../benefit/repository.js';
import { findBenefitOfType } from '../benefit/service.js';
import { presentFile } from '../file/presenter.js';
import { completeOrganizationUpload, createOrganizationFile } from '../file/service.js';
import type { FileRead, FileUpload, FileUploadCompleted } from '../file/schemas.js';
import * as repository from './repository.js';
import type { AdvertisementCampaign, AdvertisementCampaignListResource, AdvertisementCampaignUpdate, AdvertisementImageCreate, AdvertisementListQuery, AdvertisementSortProperty } from './schemas.js';

/** Pydantic's HttpUrl bound. */
const MAX_URL_LENGTH = 2083;
const MAX_TEXT_LENGTH = 280;
const MAX_IMAGE_SIZE = 10 * 1024 * 1024;
const IMAGE_MIME_TYPE = /^image\/(jpeg|png|gif|webp|svg\+xml)$/;
/** Ad images are public images of the merchant's organization, as product media are. */
const IMAGE_SERVICE = 'product_media';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The campaign id an ads grant keeps: the one it has, or a new one on its first grant. */
export function reserveCampaignId(grantProperties: Record<string, unknown>): string {
  const existing = grantProperties.advertisement_campaign_id;
  return typeof existing === 'string' && UUID_PATTERN.test(existing) ? existing : newId();
}

export function presentCampaign(campaign: AdvertisementCampaignRow): AdvertisementCampaign {
  return {
    created_at: campaign.created_at,
    modified_at: campaign.modified_at,
    id: campaign.id,
    image_url: campaign.image_url,
    image_url_dark: campaign.image_url_dark,
    text: campaign.text,
    link_url: campaign.link_url,
  };
}

export async function listCampaigns(db: Queryable, query: AdvertisementListQuery): Promise<AdvertisementCampaignListResource> {
  const benefit = await findBenefitOfType(db, query.benefit_id, 'ads');
  if (!benefit) throw new ValidationError(['query', 'benefit_id'], 'Benefit not found.', query.benefit_id);
  const { rows, totalCount } = await repository.listReadable(db, benefit.id, parseSorting<AdvertisementSortProperty>(query.sorting), query);
  const { image_width: width, image_height: height } = benefit.properties as { image_width: number; image_height: number };
  return { ...toPage(rows.map(presentCampaign), totalCount, query), dimensions: [width, height] };
}

async function readableCampaign(db: Queryable, id: string): Promise<AdvertisementCampaignRow> {
  const campaign = await repository.findReadable(db, id);
  if (!campaign) throw new ResourceNotFound();
  return campaign;
}

export async function getCampaign(db: Queryable, id: string): Promise<AdvertisementCampaign> {
  return presentCampaign(await readableCampaign(db, id));
}

export async function trackView(trx: Transaction, id: string): Promise<void> {
  await readableCampaign(trx, id);
  await repository.countView(trx, id);
}

/** The customer's own current ads grant, with its campaign id; anyone else's is not found. */
async function adsGrantOf(db: Queryable, subject: CustomerSubject, grantId: string) {
  const grant = await benefitRepository.findCustomerGrant(db, subject.customerId, grantId);
  if (!grant || grant.benefit.type !== 'ads' || grant.granted_at === null) throw new ResourceNotFound();
  const campaignId = grant.properties.advertisement_campaign_id;
  if (typeof campaignId !== 'string') throw new ResourceNotFound();
  return { grant, campaignId };
}

/** The campaign of the customer's ads grant, if filled in yet (the portal's form). */
export async function findGrantCampaign(db: Queryable, subject: CustomerSubject, grantId: string): Promise<AdvertisementCampaign | null> {
  const { campaignId } = await adsGrantOf(db, subject, grantId);
  const campaign = await repository.findById(db, campaignId);
  return campaign && campaign.customer_id === subject.customerId ? presentCampaign(campaign) : null;
}

function checkUrl(issues: ValidationIssues, field: string, value: string): string {
  const trimmed = value.trim();
  let url: URL | undefined;
  try {
    url = new URL(trimmed);
  } catch {
    issues.add(['body', field], 'Input should be a valid URL, relative URL without a base', value, 'url_parsing');
    return trimmed;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') issues.add(['body', field], "URL scheme should be 'http' or 'https'", value, 'url_scheme');
  else if (trimmed.length > MAX_URL_LENGTH) issues.add(['body', field], `URL should have at most ${MAX_URL_LENGTH} characters`, value, 'url_too_long');
  return url.href;
}

/** Fills in (or replaces) the campaign of the customer's ads grant. */
export async function saveGrantCampaign(trx: Transaction, subject: CustomerSubject, grantId: string, input: AdvertisementCampaignUpdate): Promise<AdvertisementCampaign> {
  const { campaignId } = await adsGrantOf(trx, subject, grantId);
  const issues = new ValidationIssues();
  const imageUrl = checkUrl(issues, 'image_url', input.image_url);
  const darkInput = input.image_url_dark?.trim() ? input.image_url_dark : null;
  const imageUrlDark = darkInput === null ? null : checkUrl(issues, 'image_url_dark', darkInput);
  const linkUrl = checkUrl(issues, 'link_url', input.link_url);
  const text = input.text.trim();
  if (text.length === 0) issues.add(['body', 'text'], 'String should have at least 1 character', input.text, 'string_too_short');
  if (text.length > MAX_TEXT_LENGTH) issues.add(['body', 'text'], `String should have at most ${MAX_TEXT_LENGTH} characters`, input.text, 'string_too_long');
  issues.throwIfAny();
  const saved = await repository.upsert(trx, campaignId, subject.customerId, { image_url: imageUrl, image_url_dark: imageUrlDark, text, link_url: linkUrl }, clock.now());
  if (!saved) throw new NotPermitted();
  return presentCampaign(saved);
}

/**
 * Starts the upload of an image for the customer's campaign: a public file of the merchant's
 * organization (product media: images of at most 10 MB), sent by the browser in one part.
 */
export async function createCampaignImage(trx: Transaction, storage: Storage, subject: CustomerSubject, grantId: string, input: AdvertisementImageCreate): Promise<FileUpload> {
  await adsGrantOf(trx, subject, grantId);
  const issues = new ValidationIssues();
  if (!IMAGE_MIME_TYPE.test(input.mime_type)) issues.add(['body', 'mime_type'], 'Only JPEG, PNG, GIF, WebP and SVG images are supported.', input.mime_type);
  if (input.size > MAX_IMAGE_SIZE) issues.add(['body', 'size'], 'A maximum of 10 MB is allowed for an image.', input.size);
  issues.throwIfAny();
  return createOrganizationFile(trx, storage, subject.organizationId, {
    service: IMAGE_SERVICE,
    name: input.name,
    mime_type: input.mime_type,
    size: input.size,
    checksum_sha256_base64: input.checksum_sha256_base64 ?? null,
    upload: { parts: [{ number: 1, chunk_start: 0, chunk_end: input.size, checksum_sha256_base64: input.checksum_sha256_base64 ?? null }] },
  });
}

/** Completes an image's upload; its public URL is what the campaign's form then holds. */
export async function completeCampaignImage(trx: Transaction, storage: Storage, config: Config, subject: CustomerSubject, grantId: string, fileId: string, input: FileUploadCompleted): Promise<FileRead> {
  await adsGrantOf(trx, subject, grantId);
  return presentFile(config, await completeOrganizationUpload(trx, storage, subject.organizationId, IMAGE_SERVICE, fileId, input));
}
