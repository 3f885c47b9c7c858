// Files through the official SDK on the `s3` storage driver, against s3rver (an S3-protocol server
// in Node) on loopback: presigned multipart uploads, presigned downloads, public URLs, deletion.
//
// The server is @20minutes/s3rver, the maintained fork of s3rver: the original does not check SigV4
// signatures, this one does (so signed headers and expiry are real here). Neither checks a part's
// bytes against its x-amz-checksum-sha256 (real S3 answers 400 BadDigest) nor the part ETags of a
// completion (S3: 400 InvalidPart), and the object ETag is a plain MD5 rather than S3's "md5-N":
// those refusals are tested with the local driver, which enforces the same rules.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import S3rver from '@20minutes/s3rver';
import { clock } from '../../../src/kit/clock.js';
import { signDownload } from '../../../src/modules/file/service.js';
import { startTestApp } from '../../helpers/app.js';
import { bytesOf, createFile, putPart, sendParts, sha256Base64, uploadFile } from './upload.js';

const MiB = 1024 * 1024;

const s3 = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory: mkdtempSync(join(tmpdir(), 'floe-s3rver-')),
  configureBuckets: [
    { name: 'floe-files', configs: [] },
    { name: 'floe-public', configs: [] },
  ],
});
const { port } = await s3.run();
after(() => s3.close());
const endpoint = `http://127.0.0.1:${port}`;

const floe = await startTestApp({
  FLOE_STORAGE: 's3',
  FLOE_S3_ENDPOINT: endpoint,
  FLOE_S3_REGION: 'us-east-1',
  FLOE_S3_BUCKET: 'floe-files',
  FLOE_S3_PUBLIC_BUCKET: 'floe-public',
  // s3rver's fixed credentials.
  FLOE_S3_ACCESS_KEY_ID: 'S3RVER',
  FLOE_S3_SECRET_ACCESS_KEY: 'S3RVER',
  FLOE_S3_FORCE_PATH_STYLE: 'true',
});

describe('multipart upload (s3 storage)', () => {
  test('a 6 MiB file in two parts (5 MiB, S3 minimum for all but the last, and 1 MiB) uploaded to presigned URLs', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(6 * MiB, 12);
    const upload = await createFile(sdk, bytes, { organizationId, name: 'Album.zip', mimeType: 'application/zip', partSize: 5 * MiB });
    assert.equal(upload.upload.parts.length, 2);
    for (const part of upload.upload.parts) {
      const url = new URL(part.url);
      assert.equal(url.origin, endpoint);
      assert.equal(url.pathname, `/floe-files/${upload.path.split('/').map(encodeURIComponent).join('/')}`);
      assert.equal(url.searchParams.get('partNumber'), String(part.number));
      assert.equal(url.searchParams.get('uploadId'), upload.upload.id);
      assert.match(url.searchParams.get('X-Amz-SignedHeaders') ?? '', /x-amz-checksum-sha256/);
      assert.equal(part.headers?.['x-amz-checksum-sha256'], part.checksumSha256Base64);
    }

    const completed = await sendParts(upload, bytes);
    const file = await sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed });
    assert.equal(file.isUploaded, true);
    assert.equal(file.size, 6 * MiB);
    assert.equal(file.checksumSha256Base64, sha256Base64(bytes));
    assert.match(file.checksumEtag ?? '', /^"[0-9a-f]{32}(-2)?"$/);

    const download = await signDownload(floe.context.storage, { path: file.path, service: 'downloadable', name: file.name, mime_type: file.mimeType });
    const response = await fetch(download.url);
    assert.equal(response.status, 200, await response.clone().text());
    assert.equal(response.headers.get('content-type'), 'application/zip');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="Album.zip"/);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes));
    // A download URL is signed: altering it breaks the signature.
    const forged = await fetch(download.url.replace('Album.zip', 'Other.zip'));
    assert.equal(forged.status, 403);
  });

  test('the checksum header is signed into the part URL: a different one is refused', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(1000, 13);
    const upload = await createFile(sdk, bytes, { organizationId, partSize: 1000 });
    const [part] = upload.upload.parts;
    assert.ok(part);
    const refused = await putPart(part.url, { ...part.headers, 'x-amz-checksum-sha256': sha256Base64(bytesOf(1000, 14)) }, bytes);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /SignatureDoesNotMatch/);
  });

  test('part and download URLs expire', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(1000, 15);
    const file = await uploadFile(sdk, bytes, { organizationId, partSize: 1000 });
    // Signed 601 seconds ago by Floe's clock, so past their 600 seconds by the S3 server's.
    clock.advance(-601 * 1000);
    let upload;
    let download;
    try {
      upload = await createFile(sdk, bytes, { organizationId, partSize: 1000 });
      download = await signDownload(floe.context.storage, { path: file.path, service: 'downloadable', name: file.name, mime_type: file.mimeType });
    } finally {
      clock.reset();
    }
    const [part] = upload.upload.parts;
    assert.ok(part);
    const expiredPart = await putPart(part.url, part.headers, bytes);
    assert.equal(expiredPart.status, 403);
    assert.match(await expiredPart.text(), /Request has expired/);
    const expiredDownload = await fetch(download.url);
    assert.equal(expiredDownload.status, 403);
    assert.match(await expiredDownload.text(), /Request has expired/);
  });

  test('product media are public objects of the public bucket; deleting a file deletes its object', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const image = bytesOf(40_000, 16);
    const file = await uploadFile(sdk, image, { organizationId, service: 'product_media', name: 'shot.png', mimeType: 'image/png', partSize: 40_000 });
    assert.ok('publicUrl' in file);
    assert.equal(file.publicUrl, `${endpoint}/floe-public/${file.path.split('/').map(encodeURIComponent).join('/')}`);
    const served = await fetch(file.publicUrl);
    assert.equal(served.status, 200);
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(image));
    const product = await sdk.products.create({ name: 'Print', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 1000 }], medias: [file.id] });
    assert.equal(product.medias[0]?.publicUrl, file.publicUrl);

    await sdk.files.delete({ id: file.id });
    assert.equal((await fetch(file.publicUrl)).status, 404);
    assert.deepEqual((await sdk.files.list({ organizationId })).result.items, []);
  });
});
