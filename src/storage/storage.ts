// Where file bytes live. Both drivers speak S3's multipart flow, which is what the API exposes:
// start an upload, hand the client one signed URL per part, complete with the parts' ETags.
// `local` keeps objects under FLOE_DATA_DIR/files and serves its signed URLs itself; `s3` talks
// to any S3-protocol server with presigned URLs. Objects are private or public: a public object
// has a stable URL (product media, avatars); a private one is reached by an expiring signed URL.
import type { Config } from '../config.js';

/** How long signed upload and download URLs stay valid (Polar's S3_FILES_PRESIGN_TTL). */
export const PRESIGN_TTL_SECONDS = 600;

export type Visibility = 'private' | 'public';

export interface ObjectLocation {
  key: string;
  visibility: Visibility;
}

export interface SignedUrl {
  url: string;
  /** Headers the client must send with the request (the part's checksum). */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface UploadPartRequest {
  number: number;
  /** Bytes in the part: the upload is refused if its body differs. */
  size: number;
  checksumSha256Base64: string | null;
}

export interface CompletedPart {
  number: number;
  etag: string;
  checksumSha256Base64: string | null;
}

export interface StoredObject {
  etag: string;
  size: number;
  /** The whole object's SHA-256, when the driver knows it. */
  sha256Base64: string | null;
  versionId: string | null;
  lastModifiedAt: Date;
}

/** A completion the storage refuses (missing part, wrong ETag): the client's mistake, a 422. */
export class StorageRejection extends Error {
  constructor(
    message: string,
    readonly partNumber?: number,
  ) {
    super(message);
  }
}

export interface Storage {
  readonly driver: 'local' | 's3';
  createMultipartUpload(object: ObjectLocation, options: { mimeType: string; metadata: Record<string, string> }): Promise<{ uploadId: string }>;
  signUploadPart(object: ObjectLocation, uploadId: string, part: UploadPartRequest): Promise<SignedUrl>;
  completeMultipartUpload(object: ObjectLocation, uploadId: string, parts: CompletedPart[]): Promise<StoredObject>;
  /** A signed, expiring URL that serves the object as an attachment named `filename`. */
  signDownload(object: ObjectLocation, options: { filename: string; mimeType: string }): Promise<SignedUrl>;
  /** Discards an upload that will not be completed, with its parts; one already gone is not an error. */
  abortMultipartUpload(object: ObjectLocation, uploadId: string): Promise<void>;
  /** Removes the object; an object already gone is not an error. */
  deleteObject(object: ObjectLocation): Promise<void>;
}

/** The stable URL of a public object: a pure function of the settings, so presenters need no driver. */
export function publicUrl(config: Config, key: string): string {
  const encoded = key.split('/').map(encodeURIComponent).join('/');
  const storage = config.storage;
  if (storage.driver === 'local') return `${config.baseUrl}/files/${encoded}`;
  if (storage.publicBaseUrl) return `${storage.publicBaseUrl}/${encoded}`;
  if (storage.endpoint) {
    return storage.forcePathStyle ? `${storage.endpoint}/${storage.publicBucket}/${encoded}` : `${storage.endpoint.replace('://', `://${storage.publicBucket}.`)}/${encoded}`;
  }
  return `https://${storage.publicBucket}.s3.${storage.region}.amazonaws.com/${encoded}`;
}

/**
 * `attachment; filename="..."` (Polar's form); a name beyond printable ASCII also gets its exact
 * form as RFC 5987 `filename*`, with an ASCII stand-in in `filename`.
 */
export function attachmentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  if (ascii === filename) return `attachment; filename="${filename}"`;
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}
