// How a client uploads a file through the API: create it with its parts' byte ranges and SHA-256s,
// PUT each range to its URL with the headers given, then complete it with the parts' ETags.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Polar } from '@polar-sh/sdk';
import type { FileUpload } from '@polar-sh/sdk/models/components/fileupload.js';

export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64');
}

/** Deterministic bytes, different for each seed. */
export function bytesOf(size: number, seed = 1): Buffer {
  const bytes = Buffer.alloc(size);
  for (let index = 0; index < size; index += 1) bytes[index] = (index * 31 + seed * 7 + (index >> 10)) & 0xff;
  return bytes;
}

export interface UploadOptions {
  organizationId?: string;
  name?: string;
  service?: 'downloadable' | 'product_media' | 'organization_avatar';
  mimeType?: string;
  partSize: number;
}

export function createFile(sdk: Polar, bytes: Buffer, options: UploadOptions): Promise<FileUpload> {
  const parts = [];
  for (let start = 0, number = 1; start < bytes.length || number === 1; start += options.partSize, number += 1) {
    const end = Math.min(start + options.partSize, bytes.length);
    parts.push({ number, chunkStart: start, chunkEnd: end, checksumSha256Base64: sha256Base64(bytes.subarray(start, end)) });
  }
  const common = {
    organizationId: options.organizationId,
    name: options.name ?? 'file.bin',
    size: bytes.length,
    checksumSha256Base64: sha256Base64(bytes),
    upload: { parts },
  };
  const service = options.service ?? 'downloadable';
  if (service === 'downloadable') return sdk.files.create({ ...common, service, mimeType: options.mimeType ?? 'application/octet-stream' });
  if (service === 'product_media') return sdk.files.create({ ...common, service, mimeType: options.mimeType ?? 'image/png' });
  return sdk.files.create({ ...common, service, mimeType: options.mimeType ?? 'image/png' });
}

export async function putPart(url: string, headers: Record<string, string> | undefined, body: Buffer): Promise<Response> {
  // No content type unless given: a browser sends a Blob's, often none.
  return fetch(url, { method: 'PUT', headers, body: new Blob([new Uint8Array(body)]) });
}

/** PUTs every part and returns what `uploaded` takes. */
export async function sendParts(upload: FileUpload, bytes: Buffer) {
  const completed = [];
  for (const part of upload.upload.parts) {
    const response = await putPart(part.url, part.headers, bytes.subarray(part.chunkStart, part.chunkEnd));
    assert.equal(response.status, 200, await response.text());
    const etag = response.headers.get('etag');
    assert.ok(etag, 'a part upload answers with its ETag');
    completed.push({ number: part.number, checksumEtag: etag, checksumSha256Base64: part.checksumSha256Base64 ?? null });
  }
  return { id: upload.upload.id, path: upload.upload.path, parts: completed };
}

export async function uploadFile(sdk: Polar, bytes: Buffer, options: UploadOptions) {
  const upload = await createFile(sdk, bytes, options);
  const completed = await sendParts(upload, bytes);
  return sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed });
}
