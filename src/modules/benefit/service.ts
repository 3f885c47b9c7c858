// Benefits: what a product gives its buyers (a note, an ad slot, a Discord role, a GitHub
// repository, files to download, license keys). Each type checks its own properties (see
// integrations.ts); a benefit's type never changes. Benefits that are not `deletable` (those Polar
// creates itself) cannot be deleted; deleting one detaches it from its products. Every change
// records benefit.created / benefit.updated in its transaction.
import type { Config } from '../../config.js';
import type { BenefitRow } from '../../db/schema/catalog.js';
import { resolveOrganizationForCreate, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound, ValidationError } from '../../kit/errors.js';
import { recordEvent } from '../../kit/events.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { isDeepStrictEqual } from 'node:util';
import { enqueueJob } from '../../kit/jobs.js';
import type { BenefitType } from '../../db/schema/catalog.js';
import { GRANT_JOBS } from './grants.js';
import { INTEGRATIONS } from './integrations.js';
import { presentBenefit, presentGrant } from './presenter.js';
import * as repository from './repository.js';
import type { Benefit, BenefitCreate, BenefitGrantListQuery, BenefitListQuery, BenefitUpdate } from './schemas.js';

/** Types whose value is a supply the buyer is charged tax on (Polar's `is_tax_applicable`). */
const TAX_APPLICABLE = new Set(['custom', 'downloadables', 'license_keys']);

/** The settings whose change reaches existing holders (Polar's "material" change), per type. */
const MATERIAL_PROPERTIES: Record<BenefitType, string[]> = {
  custom: [],
  ads: [],
  discord: ['guild_id', 'role_id'],
  github_repository: ['repository_owner', 'repository_name', 'permission'],
  downloadables: ['active_files'],
  license_keys: ['expires', 'activations', 'limit_usage'],
};

function isMaterialChange(type: BenefitType, before: Record<string, unknown>, after: Record<string, unknown>): boolean {
  const view = (properties: Record<string, unknown>) => {
    if (type !== 'downloadables') return properties;
    const { files = [], archived = {} } = properties as { files?: string[]; archived?: Record<string, boolean> };
    return { active_files: files.filter((id) => !archived[id]).sort() };
  };
  const [a, b] = [view(before), view(after)];
  return MATERIAL_PROPERTIES[type].some((key) => !isDeepStrictEqual(a[key] ?? null, b[key] ?? null));
}

export async function listBenefits(db: Queryable, config: Config, subject: MerchantSubject, query: BenefitListQuery): Promise<Page<Benefit>> {
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, types: query.type }, query);
  return toPage(rows.map((row) => presentBenefit(config, row)), totalCount, query);
}

export async function getBenefit(db: Queryable, subject: MerchantSubject, id: string): Promise<BenefitRow> {
  const benefit = await repository.findVisibleById(db, subject, id);
  if (!benefit) throw new ResourceNotFound();
  return benefit;
}

/** A non-deleted benefit of the type, by id, for public reads (advertisements); undefined if none. */
export function findBenefitOfType(db: Queryable, id: string, type: BenefitType): Promise<BenefitRow | undefined> {
  return repository.findByIdAndType(db, id, type);
}

export async function createBenefit(trx: Transaction, config: Config, subject: MerchantSubject, input: BenefitCreate): Promise<BenefitRow> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id);
  const properties = await INTEGRATIONS[input.type].validateProperties(input.properties, { db: trx, config, subject, organizationId });
  const benefit = await repository.insert(trx, {
    id: newId(),
    created_at: clock.now(),
    organization_id: organizationId,
    type: input.type,
    description: input.description,
    is_tax_applicable: TAX_APPLICABLE.has(input.type),
    properties: JSON.stringify(properties),
  });
  await recordEvent(trx, organizationId, 'benefit.created', () => presentBenefit(config, benefit));
  return benefit;
}

export async function updateBenefit(trx: Transaction, config: Config, subject: MerchantSubject, id: string, input: BenefitUpdate): Promise<BenefitRow> {
  const benefit = await getBenefit(trx, subject, id);
  if (input.type !== benefit.type) throw new ValidationError(['body', 'type'], `Input tag '${input.type}' found using 'type' does not match the benefit's type '${benefit.type}'.`, input.type, 'union_tag_invalid');
  const properties = input.properties
    ? await INTEGRATIONS[benefit.type].validateProperties(input.properties, { db: trx, config, subject, organizationId: benefit.organization_id })
    : undefined;
  const updated = await repository.update(trx, benefit.id, {
    modified_at: clock.now(),
    ...(input.description ? { description: input.description } : {}),
    ...(properties ? { properties: JSON.stringify(properties) } : {}),
  });
  await recordEvent(trx, updated.organization_id, 'benefit.updated', () => presentBenefit(config, updated));
  if (properties && isMaterialChange(benefit.type, benefit.properties, properties)) await enqueueJob(trx, GRANT_JOBS.forBenefit, { benefitId: benefit.id });
  return updated;
}

export async function deleteBenefit(trx: Transaction, config: Config, subject: MerchantSubject, id: string): Promise<void> {
  const benefit = await getBenefit(trx, subject, id);
  if (!benefit.deletable) throw new NotPermitted();
  const now = clock.now();
  const deleted = await repository.update(trx, benefit.id, { deleted_at: now, modified_at: now });
  await repository.detachFromProducts(trx, benefit.id);
  // Polar announces a deletion as an update of the benefit.
  await recordEvent(trx, deleted.organization_id, 'benefit.updated', () => presentBenefit(config, deleted));
  await enqueueJob(trx, GRANT_JOBS.revokeForBenefit, { benefitId: benefit.id });
}

export async function listGrants(db: Queryable, subject: MerchantSubject, benefitId: string, query: BenefitGrantListQuery) {
  const benefit = await getBenefit(db, subject, benefitId);
  const { rows, totalCount } = await repository.listGrants(db, benefit.id, { isGranted: query.is_granted, customerId: query.customer_id }, query);
  return toPage(rows.map(presentGrant), totalCount, query);
}
