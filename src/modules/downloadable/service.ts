// Downloadables: the files of a downloadables benefit, granted to each customer who holds it.
// Customers list them with a signed link that expires in ten minutes; following the link counts
// the download and redirects to the storage's own signed URL for the file.
import type { Config } from '../../config.js';
import type { BenefitRow } from '../../db/schema/catalog.js';
import type { CustomerSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { ResourceNotFound, ResourceUnavailable } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage } from '../../kit/pagination.js';
import { signGrant, verifyGrant } from '../../kit/signing.js';
import type { Storage } from '../../storage/storage.js';
import { presentFile } from '../file/presenter.js';
import { signDownload } from '../file/service.js';
import * as repository from './repository.js';
import type { LoadedDownloadable } from './repository.js';
import type { DownloadableListQuery } from './schemas.js';

const LINK_LIFETIME_MS = 600_000;
const DOWNLOAD_PURPOSE = 'downloadable';

/** The benefit's files that new grants receive: those not archived. */
function activeFiles(benefit: BenefitRow): string[] {
  const { files = [], archived = {} } = benefit.properties as { files?: string[]; archived?: Record<string, boolean> };
  return files.filter((id) => !archived[id]);
}

/** Grants the benefit's active files (those that still exist) and returns the grant's properties. */
export async function grantDownloadables(trx: Transaction, benefit: BenefitRow, customerId: string): Promise<{ files: string[] }> {
  const wanted = activeFiles(benefit);
  const existing = wanted.length
    ? await trx.selectFrom('files').select('id').where('id', 'in', wanted).where('organization_id', '=', benefit.organization_id).where('deleted_at', 'is', null).execute()
    : [];
  const found = new Set(existing.map((row) => row.id));
  const files = wanted.filter((id) => found.has(id));
  await repository.grant(trx, customerId, benefit.id, files, clock.now(), newId);
  return { files };
}

export async function revokeDownloadables(trx: Transaction, benefitId: string, customerId: string): Promise<void> {
  await repository.revokeAll(trx, customerId, benefitId, clock.now());
}

function present(config: Config, downloadable: LoadedDownloadable) {
  const expiresAt = new Date(clock.now().getTime() + LINK_LIFETIME_MS);
  const token = signGrant(config.secret, DOWNLOAD_PURPOSE, { id: downloadable.id }, expiresAt);
  const file = presentFile(config, downloadable.file);
  return {
    id: downloadable.id,
    benefit_id: downloadable.benefit_id,
    file: { ...file, service: 'downloadable' as const, download: { url: `${config.baseUrl}/v1/customer-portal/downloadables/${token}`, headers: {}, expires_at: expiresAt } },
  };
}

export async function listDownloadables(db: Queryable, config: Config, subject: CustomerSubject, query: DownloadableListQuery) {
  const { rows, totalCount } = await repository.listOfCustomer(db, subject.customerId, { organizationId: query.organization_id, benefitId: query.benefit_id }, query);
  return toPage(rows.map((row) => present(config, row)), totalCount, query);
}

/** Where a download link leads: the file in storage, once the download is counted. */
export async function followDownloadLink(trx: Transaction, config: Config, storage: Storage, token: string): Promise<string> {
  const verified = verifyGrant<{ id?: string }>(config.secret, DOWNLOAD_PURPOSE, token);
  if (!verified.ok) {
    if (verified.reason === 'expired') throw new ResourceUnavailable('This download link has expired.');
    throw new ResourceNotFound();
  }
  // A revoked grant stops downloads even through a link handed out before.
  const downloadable = verified.payload.id ? await repository.findAvailable(trx, verified.payload.id) : undefined;
  if (!downloadable) throw new ResourceNotFound();
  await repository.countDownload(trx, downloadable.id, clock.now());
  const signed = await signDownload(storage, downloadable.file);
  return signed.url;
}
