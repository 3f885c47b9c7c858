// The `local` driver: objects on disk under FLOE_DATA_DIR/files, with URLs served by Floe itself.
// A part upload URL carries an HMAC-signed, expiring grant for (upload, part number, size, SHA-256);
// the bytes are streamed to disk while hashed, so a part is never held in memory and a body larger
// than the part, or whose digest differs from the declared one, is refused. ETags are S3's: the
// MD5 of a part, and for the object the MD5 of the parts' MD5s with the part count.
//
// On disk: objects/<2 hex>/<sha256 of key> (+ .json metadata), so no key can name a path outside
// the directory; uploads/<upload id>/ holds upload.json and each received part (+ .json).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { clock } from '../kit/clock.js';
import { signGrant, verifyGrant } from '../kit/signing.js';
import {
  attachmentDisposition,
  PRESIGN_TTL_SECONDS,
  StorageRejection,
  type CompletedPart,
  type ObjectLocation,
  type SignedUrl,
  type Storage,
  type StoredObject,
  type UploadPartRequest,
  type Visibility,
} from './storage.js';

const PART_PURPOSE = 'file-part';
const DOWNLOAD_PURPOSE = 'file-download';
const UPLOAD_ID = /^[0-9a-f-]{36}$/;

interface PartGrant {
  u: string;
  n: number;
  s: number;
  h: string | null;
}
interface DownloadGrant {
  k: string;
  f: string;
  m: string;
}
interface UploadRecord {
  key: string;
  visibility: Visibility;
  mimeType: string;
  metadata: Record<string, string>;
}
interface PartRecord {
  etag: string;
  size: number;
  sha256Base64: string;
}
interface ObjectRecord extends UploadRecord {
  etag: string;
  size: number;
  sha256Base64: string;
  lastModifiedAt: string;
}

/** Why a part upload or a signed read was refused, with the HTTP status S3 would answer. */
export class LocalRequestError extends Error {
  constructor(
    readonly statusCode: 400 | 403 | 404 | 410 | 413,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface LocalObject {
  path: string;
  size: number;
  mimeType: string;
  etag: string;
  disposition?: string;
}

function quoted(etag: string): string {
  return `"${etag.replace(/^W\//, '').replace(/"/g, '')}"`;
}

export class LocalStorage implements Storage {
  readonly driver = 'local';

  constructor(
    private readonly directory: string,
    private readonly baseUrl: () => string,
    private readonly secret: string,
  ) {}

  private objectPath(key: string): string {
    const digest = createHash('sha256').update(key).digest('hex');
    return join(this.directory, 'objects', digest.slice(0, 2), digest);
  }

  private uploadPath(uploadId: string): string {
    if (!UPLOAD_ID.test(uploadId)) throw new StorageRejection('Unknown upload.');
    return join(this.directory, 'uploads', uploadId);
  }

  async createMultipartUpload(object: ObjectLocation, options: { mimeType: string; metadata: Record<string, string> }): Promise<{ uploadId: string }> {
    const uploadId = randomUUID();
    const directory = this.uploadPath(uploadId);
    await mkdir(directory, { recursive: true });
    const record: UploadRecord = { key: object.key, visibility: object.visibility, mimeType: options.mimeType, metadata: options.metadata };
    await writeFile(join(directory, 'upload.json'), JSON.stringify(record));
    return { uploadId };
  }

  async signUploadPart(_object: ObjectLocation, uploadId: string, part: UploadPartRequest): Promise<SignedUrl> {
    const expiresAt = new Date(clock.now().getTime() + PRESIGN_TTL_SECONDS * 1000);
    const grant: PartGrant = { u: uploadId, n: part.number, s: part.size, h: part.checksumSha256Base64 };
    const token = signGrant(this.secret, PART_PURPOSE, grant, expiresAt);
    const headers: Record<string, string> = part.checksumSha256Base64
      ? { 'x-amz-checksum-sha256': part.checksumSha256Base64, 'x-amz-sdk-checksum-algorithm': 'SHA256' }
      : {};
    return { url: `${this.baseUrl()}/v1/files/uploads?token=${token}`, headers, expiresAt };
  }

  /** Verifies a part URL's grant; separate from receiving so a route can refuse before reading. */
  partGrant(token: string): PartGrant {
    const verified = verifyGrant<PartGrant>(this.secret, PART_PURPOSE, token);
    if (!verified.ok) {
      throw verified.reason === 'expired'
        ? new LocalRequestError(403, 'AccessDenied', 'Request has expired.')
        : new LocalRequestError(403, 'SignatureDoesNotMatch', 'The request signature is not valid.');
    }
    return verified.payload;
  }

  /** Streams one part to disk, refusing it unless it has exactly the granted size and digest. */
  async receivePart(grant: PartGrant, body: Readable, sentChecksum: string | undefined): Promise<{ etag: string }> {
    if (grant.h && sentChecksum !== undefined && sentChecksum !== grant.h) {
      throw new LocalRequestError(400, 'BadDigest', 'The x-amz-checksum-sha256 header does not match the checksum of the part.');
    }
    let directory: string;
    try {
      directory = this.uploadPath(grant.u);
      await stat(join(directory, 'upload.json'));
    } catch {
      throw new LocalRequestError(404, 'NoSuchUpload', 'The upload does not exist: it was completed or aborted.');
    }
    const sha256 = createHash('sha256');
    const md5 = createHash('md5');
    let size = 0;
    const temporary = join(directory, `${grant.n}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await pipeline(
        body,
        async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            if (size > grant.s) throw new LocalRequestError(413, 'EntityTooLarge', `The part is larger than its declared ${grant.s} bytes.`);
            sha256.update(chunk);
            md5.update(chunk);
            yield chunk;
          }
        },
        createWriteStream(temporary),
      );
      if (size !== grant.s) throw new LocalRequestError(400, 'IncompleteBody', `The part has ${size} bytes, not its declared ${grant.s}.`);
      const digest = sha256.digest('base64');
      if (grant.h && digest !== grant.h) throw new LocalRequestError(400, 'BadDigest', 'The SHA-256 of the part does not match its declared checksum.');
      const record: PartRecord = { etag: quoted(md5.digest('hex')), size, sha256Base64: digest };
      await rename(temporary, join(directory, String(grant.n)));
      await writeFile(join(directory, `${grant.n}.json`), JSON.stringify(record));
      return { etag: record.etag };
    } catch (error) {
      // A client that goes away mid-part is the client's failure, not the server's.
      if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || (error as Error).message === 'aborted') {
        throw new LocalRequestError(400, 'IncompleteBody', 'The part upload was interrupted.');
      }
      throw error;
    } finally {
      await rm(temporary, { force: true });
    }
  }

  async completeMultipartUpload(object: ObjectLocation, uploadId: string, parts: CompletedPart[]): Promise<StoredObject> {
    const directory = this.uploadPath(uploadId);
    const upload = await readJson<UploadRecord>(join(directory, 'upload.json'));
    if (!upload || upload.key !== object.key) throw new StorageRejection('The upload does not exist: it was completed or aborted.');
    const records: PartRecord[] = [];
    for (const [index, part] of parts.entries()) {
      const previous = parts[index - 1];
      if (previous && previous.number >= part.number) throw new StorageRejection('Parts must be listed in ascending order of number.', part.number);
      const record = await readJson<PartRecord>(join(directory, `${part.number}.json`));
      if (!record) throw new StorageRejection(`Part ${part.number} was not uploaded.`, part.number);
      if (quoted(part.etag) !== record.etag) throw new StorageRejection(`The ETag of part ${part.number} does not match the uploaded part.`, part.number);
      if (part.checksumSha256Base64 && part.checksumSha256Base64 !== record.sha256Base64) {
        throw new StorageRejection(`The checksum of part ${part.number} does not match the uploaded part.`, part.number);
      }
      records.push(record);
    }
    const target = this.objectPath(object.key);
    await mkdir(join(target, '..'), { recursive: true });
    const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    const sha256 = createHash('sha256');
    let size = 0;
    const output = createWriteStream(temporary);
    try {
      for (const part of parts) {
        for await (const chunk of createReadStream(join(directory, String(part.number))) as AsyncIterable<Buffer>) {
          sha256.update(chunk);
          size += chunk.length;
          if (!output.write(chunk)) await new Promise<void>((resolve) => output.once('drain', () => resolve()));
        }
      }
      await new Promise<void>((resolve, reject) => output.end((error?: Error | null) => (error ? reject(error) : resolve())));
      const partDigests = Buffer.concat(records.map((record) => Buffer.from(record.etag.replace(/"/g, ''), 'hex')));
      const etag = quoted(`${createHash('md5').update(partDigests).digest('hex')}-${records.length}`);
      const lastModifiedAt = clock.now();
      const stored: ObjectRecord = { ...upload, visibility: object.visibility, etag, size, sha256Base64: sha256.digest('base64'), lastModifiedAt: lastModifiedAt.toISOString() };
      await rename(temporary, target);
      await writeFile(`${target}.json`, JSON.stringify(stored));
      await rm(directory, { recursive: true, force: true });
      return { etag, size, sha256Base64: stored.sha256Base64, versionId: null, lastModifiedAt };
    } finally {
      output.destroy();
      await rm(temporary, { force: true });
    }
  }

  async signDownload(object: ObjectLocation, options: { filename: string; mimeType: string }): Promise<SignedUrl> {
    const expiresAt = new Date(clock.now().getTime() + PRESIGN_TTL_SECONDS * 1000);
    const grant: DownloadGrant = { k: object.key, f: options.filename, m: options.mimeType };
    return { url: `${this.baseUrl()}/v1/files/downloads?token=${signGrant(this.secret, DOWNLOAD_PURPOSE, grant, expiresAt)}`, headers: {}, expiresAt };
  }

  /** The object a signed download URL grants, served as an attachment. */
  async openDownload(token: string): Promise<LocalObject> {
    const verified = verifyGrant<DownloadGrant>(this.secret, DOWNLOAD_PURPOSE, token);
    if (!verified.ok) {
      throw verified.reason === 'expired'
        ? new LocalRequestError(410, 'ResourceUnavailable', 'The download link has expired.')
        : new LocalRequestError(404, 'ResourceNotFound', 'Not found');
    }
    const object = await this.open(verified.payload.k);
    if (!object) throw new LocalRequestError(404, 'ResourceNotFound', 'Not found');
    return { ...object, mimeType: verified.payload.m, disposition: attachmentDisposition(verified.payload.f) };
  }

  /** A public object by key; private objects are not served here. */
  async openPublic(key: string): Promise<LocalObject | null> {
    const object = await this.open(key);
    return object && object.visibility === 'public' ? object : null;
  }

  private async open(key: string): Promise<(LocalObject & { visibility: Visibility }) | null> {
    const path = this.objectPath(key);
    const record = await readJson<ObjectRecord>(`${path}.json`);
    if (!record || record.key !== key) return null;
    return { path, size: record.size, mimeType: record.mimeType, etag: record.etag, visibility: record.visibility };
  }

  async abortMultipartUpload(_object: ObjectLocation, uploadId: string): Promise<void> {
    await rm(this.uploadPath(uploadId), { recursive: true, force: true });
  }

  async deleteObject(object: ObjectLocation): Promise<void> {
    const path = this.objectPath(object.key);
    await rm(`${path}.json`, { force: true });
    await rm(path, { force: true });
  }
}

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
