// Files: bytes in storage, described by a row. A file is created with the parts the client will
// send (contiguous byte ranges covering the file, each with an optional SHA-256); it is not
// `is_uploaded` until `uploaded` hands back every part's ETag and the storage assembles them.
// Only uploaded, non-deleted files are listed or usable elsewhere (product media, downloadables).
// Deletion is soft in the database and real in storage.
import type { Config } from '../../config.js';
import type { FileRow } from '../../db/schema/catalog.js';
import { resolveOrganizationForCreate, seesOrganization, type MerchantSubject } from '../../kit/auth.js';
import { clock } from '../../kit/clock.js';
import type { Queryable, Transaction } from '../../kit/db.js';
import { NotPermitted, ResourceNotFound, ValidationError, ValidationIssues } from '../../kit/errors.js';
import { newId } from '../../kit/ids.js';
import { toPage, type Page } from '../../kit/pagination.js';
import { StorageRejection, type ObjectLocation, type SignedUrl, type Storage } from '../../storage/storage.js';
import { presentFile, presentFileUpload, PUBLIC_SERVICES } from './presenter.js';
import * as repository from './repository.js';
import type { FileCreate, FileListQuery, FilePatch, FileRead, FileServiceTypes, FileUpload, FileUploadCompleted } from './schemas.js';

export { presentProductMedia, publicUrlOf } from './presenter.js';

/** S3's largest part. */
const MAX_PART_SIZE = 5 * 1024 * 1024 * 1024;

interface DeclaredPart {
  number: number;
  chunk_start: number;
  chunk_end: number;
  checksum_sha256_base64: string | null;
}

export function locationOf(file: Pick<FileRow, 'path' | 'service'>): ObjectLocation {
  return { key: file.path, visibility: PUBLIC_SERVICES.has(file.service) ? 'public' : 'private' };
}

/** A base64 SHA-256 digest (32 bytes), as S3 takes it. */
function isSha256Base64(value: string): boolean {
  return /^[A-Za-z0-9+/]{43}=$/.test(value);
}

export async function listFiles(db: Queryable, config: Config, subject: MerchantSubject, query: FileListQuery): Promise<Page<FileRead>> {
  // Polar lists one organization's files: a user names it, an organization token implies its own.
  let organizationId = query.organization_id;
  if (!organizationId) {
    if (subject.kind !== 'organization') throw new NotPermitted();
    organizationId = subject.organizationId;
  }
  if (!seesOrganization(subject, organizationId)) throw new NotPermitted();
  const { rows, totalCount } = await repository.listUploaded(db, organizationId, query.ids, query);
  return toPage(rows.map((file) => presentFile(config, file)), totalCount, query);
}

/** Parts must be numbered uniquely and, in number order, cover the file's bytes exactly. */
function checkParts(input: FileCreate, issues: ValidationIssues): DeclaredPart[] {
  const loc = ['body', 'upload', 'parts'];
  const parts = input.upload.parts;
  const numbers = new Set<number>();
  parts.forEach((part, index) => {
    if (numbers.has(part.number)) issues.add([...loc, index, 'number'], 'Part numbers must be unique.', part.number);
    numbers.add(part.number);
    if (part.chunk_end < part.chunk_start) issues.add([...loc, index, 'chunk_end'], 'chunk_end must not be before chunk_start.', part.chunk_end);
    if (part.chunk_end - part.chunk_start > MAX_PART_SIZE) issues.add([...loc, index], 'A part is at most 5 GiB.', part.chunk_end - part.chunk_start);
    if (part.checksum_sha256_base64 && !isSha256Base64(part.checksum_sha256_base64)) {
      issues.add([...loc, index, 'checksum_sha256_base64'], 'Must be a base64-encoded SHA-256 digest.', part.checksum_sha256_base64);
    }
  });
  const ordered = [...parts].sort((a, b) => a.number - b.number);
  let expectedStart = 0;
  for (const part of ordered) {
    if (part.chunk_start !== expectedStart) {
      issues.add([...loc, parts.indexOf(part), 'chunk_start'], `Parts must cover the file contiguously: part ${part.number} should start at byte ${expectedStart}.`, part.chunk_start);
      break;
    }
    expectedStart = part.chunk_end;
  }
  if (issues.issues.length === 0 && expectedStart !== input.size) {
    issues.add(loc, `Parts cover ${expectedStart} bytes, but the file has ${input.size}.`, expectedStart);
  }
  // The name ends the object's path: a "." or ".." segment would be resolved away in its URLs.
  if (input.name === '' || input.name.split('/').some((segment) => segment === '.' || segment === '..')) {
    issues.add(['body', 'name'], 'Must be a file name, without "." or ".." path segments.', input.name);
  }
  if (input.checksum_sha256_base64 && !isSha256Base64(input.checksum_sha256_base64)) {
    issues.add(['body', 'checksum_sha256_base64'], 'Must be a base64-encoded SHA-256 digest.', input.checksum_sha256_base64);
  }
  return ordered.map((part) => ({ number: part.number, chunk_start: part.chunk_start, chunk_end: part.chunk_end, checksum_sha256_base64: part.checksum_sha256_base64 ?? null }));
}

export async function createFile(trx: Transaction, storage: Storage, subject: MerchantSubject, input: FileCreate): Promise<FileUpload> {
  const organizationId = await resolveOrganizationForCreate(trx, subject, input.organization_id, 'forbidden');
  return createOrganizationFile(trx, storage, organizationId, input);
}

/** Creates a file of an organization already settled (a customer's upload through its portal). */
export async function createOrganizationFile(trx: Transaction, storage: Storage, organizationId: string, input: FileCreate): Promise<FileUpload> {
  const issues = new ValidationIssues();
  const parts = checkParts(input, issues);
  issues.throwIfAny();

  const id = newId();
  // One directory per file, so files of the same name never collide.
  const path = `${input.service}/${organizationId}/${id}/${input.name}`;
  const sha256Base64 = input.checksum_sha256_base64 ?? null;
  const location = locationOf({ path, service: input.service });
  const metadata: Record<string, string> = {
    'polar-id': id,
    'polar-organization-id': organizationId,
    // Object metadata travels as HTTP headers: ASCII only.
    'polar-name': input.name.replace(/[^\x20-\x7e]/g, ''),
    'polar-size': String(input.size),
    ...(sha256Base64 ? { 'polar-sha256-base64': sha256Base64, 'polar-sha256-hex': Buffer.from(sha256Base64, 'base64').toString('hex') } : {}),
  };
  const { uploadId } = await storage.createMultipartUpload(location, { mimeType: input.mime_type, metadata });
  const signed: (DeclaredPart & SignedUrl)[] = [];
  for (const part of parts) {
    const url = await storage.signUploadPart(location, uploadId, { number: part.number, size: part.chunk_end - part.chunk_start, checksumSha256Base64: part.checksum_sha256_base64 });
    signed.push({ ...part, ...url });
  }
  const now = clock.now();
  const row = {
    id,
    created_at: now,
    organization_id: organizationId,
    service: input.service,
    name: input.name,
    path,
    mime_type: input.mime_type,
    size: input.size,
    storage_version: null,
    checksum_etag: null,
    checksum_sha256_base64: sha256Base64,
    checksum_sha256_hex: sha256Base64 ? Buffer.from(sha256Base64, 'base64').toString('hex') : null,
    last_modified_at: null,
    version: input.version ?? null,
    is_uploaded: false,
    is_enabled: true,
    upload_id: uploadId,
    upload_parts: JSON.stringify(parts),
  };
  await repository.insertFile(trx, row);
  return presentFileUpload(
    { ...row, upload_parts: parts },
    {
      id: uploadId,
      path,
      parts: signed.map((part) => ({
        number: part.number,
        chunk_start: part.chunk_start,
        chunk_end: part.chunk_end,
        checksum_sha256_base64: part.checksum_sha256_base64,
        url: part.url,
        expires_at: part.expiresAt,
        headers: part.headers,
      })),
    },
  );
}

async function lockVisible(trx: Transaction, subject: MerchantSubject, id: string): Promise<FileRow> {
  const file = await repository.lockVisibleById(trx, subject, id);
  if (!file) throw new ResourceNotFound();
  return file;
}

/** Completes the upload: the storage assembles the parts, refusing any whose ETag or checksum differs. */
export async function completeUpload(trx: Transaction, storage: Storage, subject: MerchantSubject, id: string, input: FileUploadCompleted): Promise<FileRow> {
  return completeLockedUpload(trx, storage, await lockVisible(trx, subject, id), input);
}

/** Completes the upload of one of the organization's files of a service (a customer's, through its portal). */
export async function completeOrganizationUpload(trx: Transaction, storage: Storage, organizationId: string, service: FileServiceTypes, id: string, input: FileUploadCompleted): Promise<FileRow> {
  const file = await repository.lockById(trx, id);
  if (!file || file.organization_id !== organizationId || file.service !== service || file.deleted_at) throw new ResourceNotFound();
  return completeLockedUpload(trx, storage, file, input);
}

async function completeLockedUpload(trx: Transaction, storage: Storage, file: FileRow, input: FileUploadCompleted): Promise<FileRow> {
  // A retried completion of the same upload answers as the first did.
  if (file.is_uploaded && input.id === file.upload_id) return file;
  const uploadId = file.upload_id;
  if (file.is_uploaded || !uploadId || input.id !== uploadId) throw new ValidationError(['body', 'id'], 'This is not the upload in progress for the file.', input.id);
  if (input.path !== file.path) throw new ValidationError(['body', 'path'], 'The path does not match the file.', input.path);

  const declared = new Map((file.upload_parts as DeclaredPart[]).map((part) => [part.number, part]));
  const issues = new ValidationIssues();
  const seen = new Set<number>();
  input.parts.forEach((part, index) => {
    const expected = declared.get(part.number);
    if (!expected) issues.add(['body', 'parts', index, 'number'], 'No such part was declared when the file was created.', part.number);
    else if (seen.has(part.number)) issues.add(['body', 'parts', index, 'number'], 'Part numbers must be unique.', part.number);
    else if (part.checksum_sha256_base64 && expected.checksum_sha256_base64 && part.checksum_sha256_base64 !== expected.checksum_sha256_base64) {
      issues.add(['body', 'parts', index, 'checksum_sha256_base64'], 'The checksum differs from the one declared for the part.', part.checksum_sha256_base64);
    }
    seen.add(part.number);
  });
  const missing = [...declared.keys()].filter((number) => !seen.has(number));
  if (missing.length > 0) issues.add(['body', 'parts'], `Missing parts: ${missing.join(', ')}.`, input.parts.map((part) => part.number));
  issues.throwIfAny();

  const parts = [...input.parts]
    .sort((a, b) => a.number - b.number)
    .map((part) => ({ number: part.number, etag: part.checksum_etag, checksumSha256Base64: part.checksum_sha256_base64 ?? declared.get(part.number)?.checksum_sha256_base64 ?? null }));
  const location = locationOf(file);
  let stored;
  try {
    stored = await storage.completeMultipartUpload(location, uploadId, parts);
  } catch (error) {
    if (!(error instanceof StorageRejection)) throw error;
    const index = input.parts.findIndex((part) => part.number === error.partNumber);
    throw new ValidationError(index >= 0 ? ['body', 'parts', index] : ['body', 'parts'], error.message, index >= 0 ? input.parts[index] : null);
  }
  const mismatch =
    stored.size !== Number(file.size)
      ? `The uploaded file has ${stored.size} bytes, not the declared ${file.size}.`
      : stored.sha256Base64 && file.checksum_sha256_base64 && stored.sha256Base64 !== file.checksum_sha256_base64
        ? 'The SHA-256 of the uploaded file does not match the declared checksum.'
        : null;
  if (mismatch) {
    await storage.deleteObject(location);
    throw new ValidationError(['body', 'parts'], mismatch, null);
  }
  const sha256Base64 = file.checksum_sha256_base64 ?? stored.sha256Base64;
  return repository.updateFile(trx, file.id, {
    is_uploaded: true,
    checksum_etag: stored.etag,
    storage_version: stored.versionId,
    last_modified_at: stored.lastModifiedAt,
    checksum_sha256_base64: sha256Base64,
    checksum_sha256_hex: sha256Base64 ? Buffer.from(sha256Base64, 'base64').toString('hex') : null,
    modified_at: clock.now(),
  });
}

/** Renames or re-versions a file; as in Polar, empty values leave a field as it is. */
export async function updateFile(trx: Transaction, subject: MerchantSubject, id: string, patch: FilePatch): Promise<FileRow> {
  const file = await lockVisible(trx, subject, id);
  if (!patch.name && !patch.version) return file;
  return repository.updateFile(trx, file.id, {
    ...(patch.name ? { name: patch.name } : {}),
    ...(patch.version ? { version: patch.version } : {}),
    modified_at: clock.now(),
  });
}

export async function deleteFile(trx: Transaction, storage: Storage, subject: MerchantSubject, id: string): Promise<void> {
  const file = await lockVisible(trx, subject, id);
  const now = clock.now();
  await repository.updateFile(trx, file.id, { deleted_at: now, modified_at: now });
  await repository.removeFromProductMedias(trx, file.id);
  // Last, so that a storage failure rolls the deletion back rather than leaving a row without bytes.
  if (!file.is_uploaded && file.upload_id) await storage.abortMultipartUpload(locationOf(file), file.upload_id);
  await storage.deleteObject(locationOf(file));
}

/** A signed, expiring URL serving an uploaded file as an attachment (for downloadables). */
export function signDownload(storage: Storage, file: Pick<FileRow, 'path' | 'service' | 'name' | 'mime_type'>): Promise<SignedUrl> {
  return storage.signDownload(locationOf(file), { filename: file.name, mimeType: file.mime_type });
}

/** Which of `ids` the organization may use as product media: its own uploaded, enabled product_media files. */
export function selectableProductMediaIds(db: Queryable, organizationId: string, ids: string[]): Promise<Set<string>> {
  return repository.selectableProductMediaIds(db, organizationId, ids);
}
