// The `s3` driver: any S3-protocol server through the AWS SDK v3. Part URLs are presigned
// UploadPart requests; a part's SHA-256 is a signed header the client must send
// (x-amz-checksum-sha256), so S3 refuses a part whose bytes do not match it, and the completion
// carries S3's composite checksum (SHA-256 of the parts' digests).
import { createHash } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchUpload,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { StorageConfig } from '../config.js';
import { clock } from '../kit/clock.js';
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
} from './storage.js';

type S3Config = Extract<StorageConfig, { driver: 's3' }>;

const CHECKSUM_HEADERS = new Set(['x-amz-checksum-sha256', 'x-amz-sdk-checksum-algorithm']);

/** S3's checksum of a multipart object: SHA-256 over the concatenated raw part digests. */
export function compositeChecksum(partChecksumsBase64: string[]): string {
  const digests = Buffer.concat(partChecksumsBase64.map((checksum) => Buffer.from(checksum, 'base64')));
  return createHash('sha256').update(digests).digest('base64');
}

export class S3Storage implements Storage {
  readonly driver = 's3';
  private readonly client: S3Client;

  constructor(private readonly config: S3Config) {
    this.client = new S3Client({
      region: config.region,
      endpoint: config.endpoint,
      forcePathStyle: config.forcePathStyle,
      credentials: config.accessKeyId && config.secretAccessKey ? { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } : undefined,
      // Checksums are the ones Floe asks for (SHA-256 per part), not the SDK's default CRC32 on
      // every request, which would also leak into presigned URLs as an empty-body checksum.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  private bucketOf(object: ObjectLocation): string {
    return object.visibility === 'public' ? this.config.publicBucket : this.config.bucket;
  }

  async createMultipartUpload(object: ObjectLocation, options: { mimeType: string; metadata: Record<string, string> }): Promise<{ uploadId: string }> {
    const response = await this.client.send(
      new CreateMultipartUploadCommand({
        Bucket: this.bucketOf(object),
        Key: object.key,
        ContentType: options.mimeType,
        ChecksumAlgorithm: 'SHA256',
        Metadata: options.metadata,
      }),
    );
    if (!response.UploadId) throw new Error('S3 returned no upload id');
    return { uploadId: response.UploadId };
  }

  async signUploadPart(object: ObjectLocation, uploadId: string, part: UploadPartRequest): Promise<SignedUrl> {
    const expiresAt = new Date(clock.now().getTime() + PRESIGN_TTL_SECONDS * 1000);
    const command = new UploadPartCommand({
      Bucket: this.bucketOf(object),
      Key: object.key,
      UploadId: uploadId,
      PartNumber: part.number,
      ContentLength: part.size,
      ...(part.checksumSha256Base64 ? { ChecksumAlgorithm: 'SHA256', ChecksumSHA256: part.checksumSha256Base64 } : {}),
    });
    // The checksum stays a header, and a signed one: the client must send exactly it.
    const url = await getSignedUrl(this.client, command, {
      expiresIn: PRESIGN_TTL_SECONDS,
      signingDate: clock.now(),
      unhoistableHeaders: CHECKSUM_HEADERS,
      signableHeaders: CHECKSUM_HEADERS,
    });
    const headers: Record<string, string> = part.checksumSha256Base64
      ? { 'x-amz-checksum-sha256': part.checksumSha256Base64, 'x-amz-sdk-checksum-algorithm': 'SHA256' }
      : {};
    return { url, headers, expiresAt };
  }

  async completeMultipartUpload(object: ObjectLocation, uploadId: string, parts: CompletedPart[]): Promise<StoredObject> {
    const bucket = this.bucketOf(object);
    const checksums = parts.map((part) => part.checksumSha256Base64).filter((checksum): checksum is string => Boolean(checksum));
    try {
      const completed = await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: object.key,
          UploadId: uploadId,
          MultipartUpload: {
            Parts: parts.map((part) => ({ PartNumber: part.number, ETag: part.etag, ...(part.checksumSha256Base64 ? { ChecksumSHA256: part.checksumSha256Base64 } : {}) })),
          },
          ...(checksums.length === parts.length && parts.length > 0 ? { ChecksumSHA256: compositeChecksum(checksums) } : {}),
        }),
      );
      const head = await this.client.send(new HeadObjectCommand({ Bucket: bucket, Key: object.key, VersionId: completed.VersionId }));
      return {
        etag: head.ETag ?? completed.ETag ?? '',
        size: head.ContentLength ?? 0,
        sha256Base64: null,
        versionId: head.VersionId ?? completed.VersionId ?? null,
        lastModifiedAt: head.LastModified ?? clock.now(),
      };
    } catch (error) {
      // InvalidPart, InvalidPartOrder, NoSuchUpload, BadDigest, EntityTooSmall: the client's parts.
      if (error instanceof S3ServiceException && error.$metadata.httpStatusCode !== undefined && error.$metadata.httpStatusCode < 500) {
        throw new StorageRejection(`The storage refused the upload: ${error.name}${error.message ? ` (${error.message})` : ''}.`);
      }
      throw error;
    }
  }

  async signDownload(object: ObjectLocation, options: { filename: string; mimeType: string }): Promise<SignedUrl> {
    const expiresAt = new Date(clock.now().getTime() + PRESIGN_TTL_SECONDS * 1000);
    const command = new GetObjectCommand({
      Bucket: this.bucketOf(object),
      Key: object.key,
      ResponseContentDisposition: attachmentDisposition(options.filename),
      ResponseContentType: options.mimeType,
    });
    const url = await getSignedUrl(this.client, command, { expiresIn: PRESIGN_TTL_SECONDS, signingDate: clock.now() });
    return { url, headers: {}, expiresAt };
  }

  async abortMultipartUpload(object: ObjectLocation, uploadId: string): Promise<void> {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucketOf(object), Key: object.key, UploadId: uploadId }));
    } catch (error) {
      if (!(error instanceof NoSuchUpload)) throw error;
    }
  }

  async deleteObject(object: ObjectLocation): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucketOf(object), Key: object.key }));
  }
}
