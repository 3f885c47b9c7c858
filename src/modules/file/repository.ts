// The only place the files table is read or written.
import type { Insertable, Updateable } from 'kysely';
import type { FileRow, FilesTable } from '../../db/schema/catalog.js';
import { isVisibleOrganization, type MerchantSubject } from '../../kit/auth.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { paginate, type PageRequest } from '../../kit/pagination.js';

/** A file the subject may see (its organizations'), not deleted. */
export function findVisibleById(db: Queryable, subject: MerchantSubject, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).where('deleted_at', 'is', null).where(isVisibleOrganization(subject, 'organization_id')).executeTakeFirst();
}

/** The same, locked for the rest of the transaction (completion and deletion change storage). */
export function lockVisibleById(trx: Transaction, subject: MerchantSubject, id: string): Promise<FileRow | undefined> {
  return trx
    .selectFrom('files')
    .selectAll()
    .where('id', '=', id)
    .where('deleted_at', 'is', null)
    .where(isVisibleOrganization(subject, 'organization_id'))
    .forUpdate()
    .executeTakeFirst();
}

export function lockById(trx: Transaction, id: string): Promise<FileRow | undefined> {
  return trx.selectFrom('files').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
}

export function findById(db: Queryable, id: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

export function listUploaded(db: Queryable, organizationId: string, ids: string[] | undefined, page: PageRequest): Promise<{ rows: FileRow[]; totalCount: number }> {
  let query = db.selectFrom('files').selectAll().where('organization_id', '=', organizationId).where('is_uploaded', '=', true).where('deleted_at', 'is', null);
  if (ids) query = query.where('id', 'in', ids);
  return paginate(query.orderBy('created_at', 'desc').orderBy('id'), page);
}

export async function insertFile(trx: Transaction, values: Insertable<FilesTable>): Promise<void> {
  await trx.insertInto('files').values(values).execute();
}

export async function updateFile(trx: Transaction, id: string, values: Updateable<FilesTable>): Promise<FileRow> {
  return trx.updateTable('files').set(values).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
}

/** A deleted file leaves every product's media list. */
export async function removeFromProductMedias(trx: Transaction, fileId: string): Promise<void> {
  await trx.deleteFrom('product_medias').where('file_id', '=', fileId).execute();
}

/** Ids among `ids` that are selectable as the organization's product media: uploaded, enabled, not deleted. */
export async function selectableProductMediaIds(db: Queryable, organizationId: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .selectFrom('files')
    .select('id')
    .where('organization_id', '=', organizationId)
    .where('service', '=', 'product_media')
    .where('is_uploaded', '=', true)
    .where('is_enabled', '=', true)
    .where('deleted_at', 'is', null)
    .where('id', 'in', ids)
    .execute();
  return new Set(rows.map((row) => row.id));
}
