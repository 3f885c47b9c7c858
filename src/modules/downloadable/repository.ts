// The only place downloadables are read or written: one row per customer, benefit and file.
import { sql } from 'kysely';
import type { FileRow } from '../../db/schema/catalog.js';
import type { DownloadableRow } from '../../db/schema/delivery.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

/** Grants each file to the customer under the benefit: new rows, or revoked ones granted again. */
export async function grant(trx: Transaction, customerId: string, benefitId: string, fileIds: string[], now: Date, newIds: () => string): Promise<void> {
  if (fileIds.length === 0) return;
  await trx
    .insertInto('downloadables')
    .values(fileIds.map((fileId) => ({ id: newIds(), created_at: now, customer_id: customerId, benefit_id: benefitId, file_id: fileId, status: 'granted' as const })))
    .onConflict((oc) => oc.columns(['customer_id', 'file_id', 'benefit_id']).doUpdateSet({ status: 'granted', deleted_at: null, modified_at: now }))
    .execute();
}

export async function revokeAll(trx: Transaction, customerId: string, benefitId: string, now: Date): Promise<void> {
  await trx.updateTable('downloadables').set({ status: 'revoked', modified_at: now }).where('customer_id', '=', customerId).where('benefit_id', '=', benefitId).where('status', '=', 'granted').execute();
}

export interface LoadedDownloadable extends DownloadableRow {
  file: FileRow;
}

/** Granted downloadables of uploaded, live files of live benefits: what a customer may download. */
function available(db: Queryable) {
  return db
    .selectFrom('downloadables')
    .innerJoin('files', 'files.id', 'downloadables.file_id')
    .innerJoin('benefits', 'benefits.id', 'downloadables.benefit_id')
    .selectAll('downloadables')
    .select(sql<FileRow>`to_jsonb(files)`.as('file'))
    .where('downloadables.status', '=', 'granted')
    .where('downloadables.deleted_at', 'is', null)
    .where('files.is_uploaded', '=', true)
    .where('files.is_enabled', '=', true)
    .where('files.deleted_at', 'is', null)
    .where('benefits.deleted_at', 'is', null);
}

export function listOfCustomer(db: Queryable, customerId: string, filters: { organizationId?: string[]; benefitId?: string[] }, page: PageRequest) {
  let query = available(db).where('downloadables.customer_id', '=', customerId);
  if (filters.organizationId) query = query.where('benefits.organization_id', 'in', filters.organizationId);
  if (filters.benefitId) query = query.where('downloadables.benefit_id', 'in', filters.benefitId);
  return paginate(query.orderBy('downloadables.created_at', 'desc').orderBy('downloadables.id'), page) as Promise<{ rows: LoadedDownloadable[]; totalCount: number }>;
}

export function findAvailable(db: Queryable, id: string): Promise<LoadedDownloadable | undefined> {
  return available(db).where('downloadables.id', '=', id).executeTakeFirst() as Promise<LoadedDownloadable | undefined>;
}

export async function countDownload(trx: Transaction, id: string, now: Date): Promise<void> {
  await trx.updateTable('downloadables').set((eb) => ({ downloaded: eb('downloaded', '+', 1), last_downloaded_at: now })).where('id', '=', id).execute();
}
