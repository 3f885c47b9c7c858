// The only place license_keys and license_key_activations are read or written. Keys are read with
// their customer (as PostgreSQL renders it in JSON), which every presentation of a key embeds.
import { sql, type Insertable, type Updateable } from 'kysely';
import type { Tables } from '../../db/schema/index.js';
import type { LicenseKeyActivationRow, LicenseKeyRow } from '../../db/schema/delivery.js';
import type { CustomerRow } from '../../db/schema/commerce.js';
import type { JsonRow } from '../../db/schema/organization.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

export type JsonCustomer = JsonRow<CustomerRow>;

export interface LoadedLicenseKey extends LicenseKeyRow {
  customer: JsonCustomer;
}

const CUSTOMER_JSON = sql<JsonCustomer>`(SELECT row_to_json(c) FROM customers c WHERE c.id = license_keys.customer_id)`.as('customer');

function keys(db: Queryable) {
  return db.selectFrom('license_keys').selectAll('license_keys').select(CUSTOMER_JSON).where('license_keys.deleted_at', 'is', null);
}

export function findById(db: Queryable, id: string): Promise<LoadedLicenseKey | undefined> {
  return keys(db).where('license_keys.id', '=', id).executeTakeFirst();
}

export function findByKey(db: Queryable, organizationId: string, key: string): Promise<LoadedLicenseKey | undefined> {
  return keys(db).where('license_keys.organization_id', '=', organizationId).where('license_keys.key', '=', key).executeTakeFirst();
}

/** The key, locked against concurrent activations and updates until the transaction ends. */
export function lockByKey(trx: Transaction, organizationId: string, key: string): Promise<LoadedLicenseKey | undefined> {
  return keys(trx).where('license_keys.organization_id', '=', organizationId).where('license_keys.key', '=', key).forUpdate().executeTakeFirst();
}

export function listVisible(db: Queryable, subject: MerchantSubject, filters: { organizationId?: string[]; benefitId?: string[] }, page: PageRequest) {
  let query = keys(db).where(isVisibleOrganization(subject, 'license_keys.organization_id'));
  if (filters.organizationId) query = query.where('license_keys.organization_id', 'in', filters.organizationId);
  if (filters.benefitId) query = query.where('license_keys.benefit_id', 'in', filters.benefitId);
  return paginate(query.orderBy('license_keys.created_at', 'asc').orderBy('license_keys.id'), page);
}

export function listOfCustomer(db: Queryable, customerId: string, filters: { organizationId?: string[]; benefitId?: string }, page: PageRequest) {
  let query = keys(db).where('license_keys.customer_id', '=', customerId);
  if (filters.organizationId) query = query.where('license_keys.organization_id', 'in', filters.organizationId);
  if (filters.benefitId) query = query.where('license_keys.benefit_id', '=', filters.benefitId);
  return paginate(query.orderBy('license_keys.created_at', 'asc').orderBy('license_keys.id'), page);
}

export async function insert(trx: Transaction, values: Insertable<Tables['license_keys']>): Promise<LicenseKeyRow> {
  return trx.insertInto('license_keys').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function update(trx: Transaction, id: string, values: Updateable<Tables['license_keys']>): Promise<void> {
  await trx.updateTable('license_keys').set(values).where('id', '=', id).execute();
}

export function activeActivations(db: Queryable, licenseKeyId: string): Promise<LicenseKeyActivationRow[]> {
  return db.selectFrom('license_key_activations').selectAll().where('license_key_id', '=', licenseKeyId).where('deleted_at', 'is', null).orderBy('created_at').execute();
}

export function findActiveActivation(db: Queryable, licenseKeyId: string, activationId: string): Promise<LicenseKeyActivationRow | undefined> {
  return db
    .selectFrom('license_key_activations')
    .selectAll()
    .where('id', '=', activationId)
    .where('license_key_id', '=', licenseKeyId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function countActiveActivations(db: Queryable, licenseKeyId: string): Promise<number> {
  const row = await db
    .selectFrom('license_key_activations')
    .select((eb) => eb.fn.countAll<number>().as('count'))
    .where('license_key_id', '=', licenseKeyId)
    .where('deleted_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

export async function insertActivation(trx: Transaction, values: Insertable<Tables['license_key_activations']>): Promise<LicenseKeyActivationRow> {
  return trx.insertInto('license_key_activations').values(values).returningAll().executeTakeFirstOrThrow();
}

export async function deactivate(trx: Transaction, activationId: string, now: Date): Promise<void> {
  await trx.updateTable('license_key_activations').set({ deleted_at: now, modified_at: now }).where('id', '=', activationId).execute();
}

export interface ValidationRequest {
  organizationId: string;
  key: string;
  activationId: string | null;
  conditions: Record<string, unknown>;
  benefitId: string | null;
  customerId: string | null;
  incrementUsage: number | null;
  now: Date;
}

/**
 * The whole of a successful validation in one statement: it counts the validation (and the usage)
 * only when every rule holds, and answers with the key, its customer and the named activation.
 * No row back means some rule failed; the caller then finds which, off the fast path.
 */
export async function validateAndRecord(db: Queryable, request: ValidationRequest): Promise<(LoadedLicenseKey & { activation: LicenseKeyActivationRow | null }) | undefined> {
  const { organizationId, key, activationId, conditions, benefitId, customerId, incrementUsage, now } = request;
  const increment = incrementUsage || null;
  const result = await sql<LoadedLicenseKey & { activation: LicenseKeyActivationRow | null }>`
    UPDATE license_keys SET
      validations = validations + 1,
      last_validated_at = ${now},
      usage = usage + coalesce(${increment}::integer, 0)
    WHERE organization_id = ${organizationId} AND key = ${key} AND deleted_at IS NULL
      AND status = 'granted'
      AND (expires_at IS NULL OR expires_at > ${now})
      AND (${benefitId}::uuid IS NULL OR benefit_id = ${benefitId}::uuid)
      AND (${customerId}::uuid IS NULL OR customer_id = ${customerId}::uuid)
      AND (${increment}::integer IS NULL OR limit_usage IS NULL OR ${increment}::integer <= limit_usage - usage)
      AND (${activationId}::uuid IS NULL OR EXISTS (
        SELECT 1 FROM license_key_activations a
        WHERE a.id = ${activationId}::uuid AND a.license_key_id = license_keys.id AND a.deleted_at IS NULL
          AND (a.conditions = '{}'::jsonb OR a.conditions = ${JSON.stringify(conditions)}::jsonb)))
    RETURNING license_keys.*,
      (SELECT row_to_json(c) FROM customers c WHERE c.id = license_keys.customer_id) AS customer,
      (SELECT row_to_json(a) FROM license_key_activations a WHERE a.id = ${activationId}::uuid) AS activation`.execute(db);
  return result.rows[0];
}

/**
 * Records plain validations (no activation, no usage) of many keys in one statement: `count`
 * validations of each (organization, key) that is granted and not expired. Answers the keys it
 * counted, after the update; keys it did not count are absent.
 */
/** `offsetMs`: how far the group's organization's test clock is ahead of `now` (its keys expire by it). */
export async function recordValidations(db: Queryable, groups: { organizationId: string; key: string; count: number; offsetMs: number }[], now: Date): Promise<LoadedLicenseKey[]> {
  const result = await sql<LoadedLicenseKey>`
    UPDATE license_keys SET validations = validations + requested.count, last_validated_at = ${now}::timestamptz + requested.offset_ms * interval '1 millisecond'
    FROM unnest(${groups.map((group) => group.organizationId)}::uuid[], ${groups.map((group) => group.key)}::text[], ${groups.map((group) => group.count)}::integer[], ${groups.map((group) => group.offsetMs)}::bigint[])
      AS requested(organization_id, key, count, offset_ms)
    WHERE license_keys.organization_id = requested.organization_id AND license_keys.key = requested.key AND license_keys.deleted_at IS NULL
      AND license_keys.status = 'granted' AND (license_keys.expires_at IS NULL OR license_keys.expires_at > ${now}::timestamptz + requested.offset_ms * interval '1 millisecond')
    RETURNING license_keys.*, (SELECT row_to_json(c) FROM customers c WHERE c.id = license_keys.customer_id) AS customer`.execute(db);
  return result.rows;
}
