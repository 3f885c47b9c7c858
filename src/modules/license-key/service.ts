// License keys: issued when a license_keys benefit is granted, revoked with the grant, managed by
// the merchant, and validated, activated and deactivated by the merchant's software (public
// endpoints: the key is the credential). Validation is the hot path: one statement that both
// checks every rule and records the validation (see repository.validateAndRecord).
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { BenefitRow } from '../../db/schema/catalog.js';
import { seesOrganization, type CustomerSubject, type MerchantSubject } from '../../kit/auth.js';
import { clock, organizationNow, organizationOffset } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { BadRequest, NotPermitted, ResourceNotFound, Unauthorized } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { createBatcher } from '../../kit/batch.js';
import { LruCache } from '../../kit/cache.js';
import { displayKeyOf, presentActivation, presentLicenseKey } from './presenter.js';
import * as repository from './repository.js';
import type { LoadedLicenseKey } from './repository.js';
import type { CustomerLicenseKeyListQuery, LicenseKeyActivate, LicenseKeyDeactivate, LicenseKeyListQuery, LicenseKeyUpdate, LicenseKeyValidate } from './schemas.js';

/** A license_keys benefit's settings, as stored on the benefit. */
interface LicenseKeysProperties {
  prefix?: string | null;
  expires?: { ttl: number; timeframe: 'year' | 'month' | 'day' } | null;
  activations?: { limit: number; enable_customer_admin: boolean } | null;
  limit_usage?: number | null;
}

/** `{PREFIX}-{UUID}` in capitals, as Polar's keys (a bare UUID without a prefix). */
export function generateKey(prefix: string | null | undefined): string {
  const body = randomUUID().toUpperCase();
  return prefix == null ? body : `${prefix.trim().toUpperCase()}-${body}`;
}

/** Calendar arithmetic in UTC: a month from January 31st is the last day of February. */
export function expiryFrom(now: Date, expires: LicenseKeysProperties['expires']): Date | null {
  if (!expires) return null;
  const date = new Date(now);
  if (expires.timeframe === 'day') {
    date.setUTCDate(date.getUTCDate() + expires.ttl);
    return date;
  }
  const months = expires.timeframe === 'year' ? 12 * expires.ttl : expires.ttl;
  const day = date.getUTCDate();
  date.setUTCDate(1);
  date.setUTCMonth(date.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate();
  date.setUTCDate(Math.min(day, lastDay));
  return date;
}

function limitsOf(benefit: BenefitRow, now: Date) {
  const properties = benefit.properties as LicenseKeysProperties;
  return {
    limit_activations: properties.activations?.limit ?? null,
    limit_usage: properties.limit_usage ?? null,
    expires_at: expiryFrom(now, properties.expires),
  };
}

/**
 * The key a grant gives: a new one, or (when the grant is updated after a change of the benefit)
 * the grant's existing key, granted again with the benefit's current limits and an expiry counted
 * from now. Returns the grant's properties.
 */
export async function grantLicenseKey(trx: Transaction, benefit: BenefitRow, customerId: string, existingKeyId: string | undefined): Promise<{ license_key_id: string; display_key: string }> {
  // Expiry counted by the organization's time, by which validations judge it.
  const now = await organizationNow(trx, benefit.organization_id);
  if (existingKeyId) {
    const existing = await repository.findById(trx, existingKeyId);
    if (existing && existing.customer_id === customerId && existing.benefit_id === benefit.id) {
      await repository.update(trx, existing.id, { status: 'granted', ...limitsOf(benefit, now), modified_at: now });
      return { license_key_id: existing.id, display_key: displayKeyOf(existing.key) };
    }
  }
  const key = await repository.insert(trx, {
    id: newId(),
    created_at: now,
    organization_id: benefit.organization_id,
    customer_id: customerId,
    benefit_id: benefit.id,
    key: generateKey((benefit.properties as LicenseKeysProperties).prefix),
    status: 'granted',
    ...limitsOf(benefit, now),
  });
  return { license_key_id: key.id, display_key: displayKeyOf(key.key) };
}

export async function revokeLicenseKey(trx: Transaction, licenseKeyId: string): Promise<void> {
  await repository.update(trx, licenseKeyId, { status: 'revoked', modified_at: clock.now() });
}

// --- Merchant API ---------------------------------------------------------------------------

export async function listLicenseKeys(db: Queryable, subject: MerchantSubject, query: LicenseKeyListQuery) {
  const { rows, totalCount } = await repository.listVisible(db, subject, { organizationId: query.organization_id, benefitId: query.benefit_id }, query);
  return toPage(rows.map(presentLicenseKey), totalCount, query);
}

/** Polar answers 401, not 404, for a key of another organization. */
async function getVisible(db: Queryable, subject: MerchantSubject, id: string): Promise<LoadedLicenseKey> {
  const key = await repository.findById(db, id);
  if (!key) throw new ResourceNotFound();
  if (!seesOrganization(subject, key.organization_id)) throw new Unauthorized();
  return key;
}

async function withActivations(db: Queryable, key: LoadedLicenseKey, shown: boolean) {
  const activations = shown ? await repository.activeActivations(db, key.id) : [];
  return { ...presentLicenseKey(key), activations: activations.map(presentActivation) };
}

export async function getLicenseKey(db: Queryable, subject: MerchantSubject, id: string) {
  return withActivations(db, await getVisible(db, subject, id), true);
}

export async function updateLicenseKey(trx: Transaction, subject: MerchantSubject, id: string, input: LicenseKeyUpdate) {
  const key = await getVisible(trx, subject, id);
  // Sent fields are assigned as sent (Polar's `exclude_unset`); a null status would leave a key
  // without one, so it means "unchanged".
  await repository.update(trx, key.id, {
    ...(input.status ? { status: input.status } : {}),
    ...(input.usage !== undefined ? { usage: input.usage } : {}),
    ...('limit_activations' in input ? { limit_activations: input.limit_activations ?? null } : {}),
    ...('limit_usage' in input ? { limit_usage: input.limit_usage ?? null } : {}),
    ...('expires_at' in input ? { expires_at: input.expires_at ?? null } : {}),
    modified_at: clock.now(),
  });
  return presentLicenseKey((await repository.findById(trx, key.id))!);
}

export async function getActivation(db: Queryable, subject: MerchantSubject, id: string, activationId: string) {
  const key = await getVisible(db, subject, id);
  const activation = await repository.findActiveActivation(db, key.id, activationId);
  if (!activation) throw new ResourceNotFound();
  return { ...presentActivation(activation), license_key: presentLicenseKey(key) };
}

// --- Customer portal ------------------------------------------------------------------------

export async function listCustomerLicenseKeys(db: Queryable, subject: CustomerSubject, query: CustomerLicenseKeyListQuery) {
  const { rows, totalCount } = await repository.listOfCustomer(db, subject.customerId, { organizationId: query.organization_id, benefitId: query.benefit_id }, query);
  return toPage(rows.map(presentLicenseKey), totalCount, query);
}

/** A customer's key; its activations are shown only when the benefit lets customers manage them. */
export async function getCustomerLicenseKey(db: Queryable, subject: CustomerSubject, id: string) {
  const key = await repository.findById(db, id);
  if (!key || key.customer_id !== subject.customerId) throw new ResourceNotFound();
  const benefit = await db.selectFrom('benefits').select('properties').where('id', '=', key.benefit_id).executeTakeFirst();
  const customerAdmin = (benefit?.properties as LicenseKeysProperties | undefined)?.activations?.enable_customer_admin === true;
  return withActivations(db, key, customerAdmin);
}

// --- Public: validate, activate, deactivate -------------------------------------------------

/** Why a validation did not pass, in Polar's order of checks. */
async function explainRefusal(db: Queryable, input: LicenseKeyValidate, now: Date): Promise<never> {
  const key = await repository.findByKey(db, input.organization_id, input.key);
  if (!key) throw new ResourceNotFound();
  if (key.status !== 'granted') throw new ResourceNotFound('License key is no longer active.');
  if (key.expires_at && now >= key.expires_at) throw new ResourceNotFound('License key has expired.');
  if (input.activation_id) {
    const activation = await repository.findActiveActivation(db, key.id, input.activation_id);
    if (!activation) throw new ResourceNotFound();
    if (Object.keys(activation.conditions).length > 0 && !isDeepStrictEqual(activation.conditions, input.conditions ?? {})) throw new ResourceNotFound('License key does not match required conditions');
  }
  if (input.benefit_id && input.benefit_id !== key.benefit_id) throw new ResourceNotFound('License key does not match given benefit.');
  if (input.customer_id && input.customer_id !== key.customer_id) throw new ResourceNotFound('License key does not match given user.');
  if (input.increment_usage && key.limit_usage !== null) {
    const remaining = key.limit_usage - key.usage;
    if (input.increment_usage > remaining) throw new BadRequest(`License key only has ${remaining} more usages.`);
  }
  // Every rule holds now: the key changed between the two reads. Refuse; the client may retry.
  throw new ResourceNotFound('License key changed during validation; try again.');
}

/** What never changes about a key: its benefit and customer (keys are random and never reused). */
const keyOwners = new LruCache<{ benefitId: string; customerId: string }>(100_000);
const ownerKey = (organizationId: string, key: string) => `${organizationId}:${key}`;

function ownersMatch(input: LicenseKeyValidate): boolean | undefined {
  if (!input.benefit_id && !input.customer_id) return true;
  const owners = keyOwners.get(ownerKey(input.organization_id, input.key));
  if (!owners) return undefined;
  return (!input.benefit_id || input.benefit_id === owners.benefitId) && (!input.customer_id || input.customer_id === owners.customerId);
}

/**
 * Plain validations (the common, hot case) go through a group commit: concurrent ones share one
 * statement, each counted and answered with its own number once it is committed.
 */
export function createValidationBatcher(db: Queryable) {
  return createBatcher<LicenseKeyValidate, LoadedLicenseKey>(async (inputs) => {
    const now = clock.now();
    // Keys expire by their organization's time (a test clock ahead of the real one); known offsets cost no query.
    const organizations = [...new Set(inputs.map((input) => input.organization_id))];
    const offsets = new Map(await Promise.all(organizations.map(async (id) => [id, await organizationOffset(db, id)] as const)));
    const groups = new Map<string, { organizationId: string; key: string; count: number; offsetMs: number }>();
    for (const input of inputs) {
      const id = ownerKey(input.organization_id, input.key);
      const group = groups.get(id) ?? { organizationId: input.organization_id, key: input.key, count: 0, offsetMs: offsets.get(input.organization_id) ?? 0 };
      group.count += 1;
      groups.set(id, group);
    }
    const counted = new Map((await repository.recordValidations(db, [...groups.values()], now)).map((row) => [ownerKey(row.organization_id, row.key), row]));
    const seen = new Map<string, number>();
    return Promise.all(
      inputs.map(async (input) => {
        const id = ownerKey(input.organization_id, input.key);
        const row = counted.get(id);
        if (!row) return explainRefusal(db, input, new Date(now.getTime() + (offsets.get(input.organization_id) ?? 0))).catch((error: Error) => error);
        keyOwners.set(id, { benefitId: row.benefit_id, customerId: row.customer_id });
        // Each request reports its own validation: the count before the batch plus its place in it.
        const index = seen.get(id) ?? 0;
        seen.set(id, index + 1);
        return { ...row, validations: row.validations - groups.get(id)!.count + index + 1 };
      }),
    );
  });
}

export type ValidationBatcher = ReturnType<typeof createValidationBatcher>;

export async function validateLicenseKey(db: Queryable, batcher: ValidationBatcher, input: LicenseKeyValidate) {
  if (!input.activation_id && !input.increment_usage) {
    const owners = ownersMatch(input);
    if (owners === true) return { ...presentLicenseKey(await batcher.submit(input)), activation: null };
    if (owners === false) return explainRefusal(db, input, await organizationNow(db, input.organization_id));
  }
  const now = await organizationNow(db, input.organization_id);
  const validated = await repository.validateAndRecord(db, {
    organizationId: input.organization_id,
    key: input.key,
    activationId: input.activation_id ?? null,
    conditions: input.conditions ?? {},
    benefitId: input.benefit_id ?? null,
    customerId: input.customer_id ?? null,
    incrementUsage: input.increment_usage ?? null,
    now,
  });
  if (!validated) return explainRefusal(db, input, now);
  keyOwners.set(ownerKey(validated.organization_id, validated.key), { benefitId: validated.benefit_id, customerId: validated.customer_id });
  return { ...presentLicenseKey(validated), activation: validated.activation ? presentActivation(validated.activation) : null };
}

/** Activates under a lock on the key, so concurrent activations never pass its limit. */
export async function activateLicenseKey(trx: Transaction, input: LicenseKeyActivate) {
  const key = await repository.lockByKey(trx, input.organization_id, input.key);
  if (!key) throw new ResourceNotFound();
  if (!key.limit_activations) throw new NotPermitted('License key does not require activation');
  if ((await repository.countActiveActivations(trx, key.id)) >= key.limit_activations) throw new NotPermitted('License key activation limit already reached');
  const now = clock.now();
  const activation = await repository.insertActivation(trx, {
    id: newId(),
    created_at: now,
    license_key_id: key.id,
    label: input.label,
    conditions: JSON.stringify(input.conditions ?? {}),
    meta: JSON.stringify(input.meta ?? {}),
  });
  return { ...presentActivation(activation), license_key: presentLicenseKey(key) };
}

export async function deactivateLicenseKey(trx: Transaction, input: LicenseKeyDeactivate): Promise<void> {
  const key = await repository.lockByKey(trx, input.organization_id, input.key);
  if (!key) throw new ResourceNotFound();
  const activation = await repository.findActiveActivation(trx, key.id, input.activation_id);
  if (!activation) throw new ResourceNotFound();
  await repository.deactivate(trx, activation.id, clock.now());
}
