// Files through the official SDK on the default `local` storage driver: the S3-style multipart
// flow with parts larger than the API's 1 MiB body limit, checksums, signed and expiring URLs,
// public URLs of product media, list/update/delete, tenancy and validation.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { HTTPValidationError, ResourceNotFound, SDKError } from '@polar-sh/sdk/models/errors/index.js';
import { join } from 'node:path';
import { ConfigError, readConfig } from '../../../src/config.js';
import { clock } from '../../../src/kit/clock.js';
import { signDownload } from '../../../src/modules/file/service.js';
import { startTestApp } from '../../helpers/app.js';
import { expectError } from '../../helpers/errors.js';
import { bytesOf, createFile, putPart, sendParts, sha256Base64, uploadFile } from './upload.js';

const floe = await startTestApp();
after(() => clock.reset());

const MiB = 1024 * 1024;

describe('multipart upload (local storage)', () => {
  test('a 3 MiB file in two parts, the first 2 MiB (over the 1 MiB API body limit), completed and downloadable', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(3 * MiB);
    const upload = await createFile(sdk, bytes, { organizationId, name: 'Manual v1.pdf', mimeType: 'application/pdf', partSize: 2 * MiB });
    assert.equal(upload.isUploaded, false);
    assert.equal(upload.service, 'downloadable');
    assert.equal(upload.path, `downloadable/${organizationId}/${upload.id}/Manual v1.pdf`);
    assert.equal(upload.sizeReadable, '3 MB');
    assert.equal(upload.upload.parts.length, 2);
    const [first] = upload.upload.parts;
    assert.deepEqual(first?.headers, { 'x-amz-checksum-sha256': first?.checksumSha256Base64, 'x-amz-sdk-checksum-algorithm': 'SHA256' });
    assert.ok(first && first.expiresAt.getTime() > Date.now());

    const completed = await sendParts(upload, bytes);
    const file = await sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed });
    assert.equal(file.isUploaded, true);
    assert.equal(file.size, 3 * MiB);
    assert.equal(file.checksumSha256Base64, sha256Base64(bytes));
    assert.equal(file.checksumSha256Hex, Buffer.from(sha256Base64(bytes), 'base64').toString('hex'));
    assert.match(file.checksumEtag ?? '', /^"[0-9a-f]{32}-2"$/);
    assert.ok(file.lastModifiedAt);

    // A retried completion answers as the first did.
    const again = await sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed });
    assert.equal(again.checksumEtag, file.checksumEtag);

    const download = await signDownload(floe.context.storage, { path: file.path, service: 'downloadable', name: file.name, mime_type: file.mimeType });
    const response = await fetch(download.url);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/pdf');
    assert.match(response.headers.get('content-disposition') ?? '', /^attachment; filename="Manual v1.pdf"/);
    assert.ok(Buffer.from(await response.arrayBuffer()).equals(bytes));
  });

  test('a part whose bytes do not match its declared SHA-256 is refused, and so is the completion', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(300_000, 2);
    const upload = await createFile(sdk, bytes, { organizationId, partSize: 200_000 });
    const [first, second] = upload.upload.parts;
    assert.ok(first && second);
    const tampered = Buffer.from(bytes.subarray(first.chunkStart, first.chunkEnd));
    tampered[10] = (tampered[10] ?? 0) ^ 0xff;
    const refused = await putPart(first.url, first.headers, tampered);
    assert.equal(refused.status, 400);
    assert.equal(((await refused.json()) as { error: string }).error, 'BadDigest');
    // Even without the header, the grant in the URL carries the declared digest.
    const withoutHeader = await putPart(first.url, {}, tampered);
    assert.equal(withoutHeader.status, 400);

    const secondPart = await putPart(second.url, { ...second.headers, 'content-type': 'application/json' }, bytes.subarray(second.chunkStart, second.chunkEnd));
    assert.equal(secondPart.status, 200);
    const error = await expectError(
      sdk.files.uploaded({
        id: upload.id,
        fileUploadCompleted: { id: upload.upload.id, path: upload.path, parts: [{ number: 1, checksumEtag: '"0123456789abcdef0123456789abcdef"', checksumSha256Base64: null }, { number: 2, checksumEtag: secondPart.headers.get('etag') ?? '', checksumSha256Base64: null }] },
      }),
      HTTPValidationError,
    );
    assert.deepEqual(error.detail?.[0]?.loc, ['body', 'parts', 0]);
    const listed = await sdk.files.list({ organizationId });
    assert.equal(listed.result.items.length, 0, 'a file not uploaded is not listed');
  });

  test('part bodies are bounded by the part size, and completions must name every part with its ETag', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(1000, 3);
    const upload = await createFile(sdk, bytes, { organizationId, partSize: 600 });
    const [first, second] = upload.upload.parts;
    assert.ok(first && second);
    const tooLarge = await putPart(first.url, {}, bytesOf(601, 3));
    assert.equal(tooLarge.status, 413);
    const tooSmall = await putPart(first.url, {}, bytes.subarray(0, 599));
    assert.equal(tooSmall.status, 400);

    const completed = await sendParts(upload, bytes);
    const missing = await expectError(sdk.files.uploaded({ id: upload.id, fileUploadCompleted: { ...completed, parts: completed.parts.slice(0, 1) } }), HTTPValidationError);
    assert.deepEqual(missing.detail?.[0]?.loc, ['body', 'parts']);
    const wrongUpload = await expectError(sdk.files.uploaded({ id: upload.id, fileUploadCompleted: { ...completed, id: randomUUID() } }), HTTPValidationError);
    assert.deepEqual(wrongUpload.detail?.[0]?.loc, ['body', 'id']);
    const reversed = await sdk.files.uploaded({ id: upload.id, fileUploadCompleted: { ...completed, parts: [...completed.parts].reverse() } });
    assert.equal(reversed.isUploaded, true);
  });

  test('forged and expired part URLs are refused; download URLs expire', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const bytes = bytesOf(100, 4);
    const upload = await createFile(sdk, bytes, { organizationId, partSize: 100 });
    const [part] = upload.upload.parts;
    assert.ok(part);
    const token = new URL(part.url).searchParams.get('token') ?? '';
    const [body, signature] = token.split('.');
    const payload = JSON.parse(Buffer.from(body ?? '', 'base64url').toString()) as Record<string, unknown>;
    const bigger = Buffer.from(JSON.stringify({ ...payload, s: 10 * MiB })).toString('base64url');
    const forged = await putPart(part.url.replace(token, `${bigger}.${signature}`), {}, bytes);
    assert.equal(forged.status, 403);
    assert.equal(((await forged.json()) as { error: string }).error, 'SignatureDoesNotMatch');

    const file = await uploadFile(sdk, bytes, { organizationId, partSize: 100 });
    const download = await signDownload(floe.context.storage, { path: file.path, service: 'downloadable', name: file.name, mime_type: file.mimeType });
    const tamperedDownload = await fetch(download.url.slice(0, -2) + (download.url.endsWith('AA') ? 'BB' : 'AA'));
    assert.equal(tamperedDownload.status, 404);

    clock.advance(601 * 1000);
    try {
      const expired = await putPart(part.url, part.headers, bytes);
      assert.equal(expired.status, 403);
      assert.equal(((await expired.json()) as { error: string }).error, 'AccessDenied');
      const expiredDownload = await fetch(download.url);
      assert.equal(expiredDownload.status, 410);
    } finally {
      clock.reset();
    }
  });
});

describe('product media', () => {
  test('an uploaded image has a public URL, is usable as product media, and leaves products when deleted', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const image = bytesOf(70_000, 5);
    const file = await uploadFile(sdk, image, { organizationId, service: 'product_media', name: 'cover é.png', mimeType: 'image/png', partSize: 50_000 });
    assert.equal(file.service, 'product_media');
    assert.ok('publicUrl' in file);
    const publicUrl = file.publicUrl;
    const served = await fetch(publicUrl);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'image/png');
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(image));

    const product = await sdk.products.create({ name: 'Poster', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2000 }], medias: [file.id] });
    assert.equal(product.medias[0]?.publicUrl, publicUrl);

    // A downloadable file is neither public nor usable as product media.
    const download = await uploadFile(sdk, bytesOf(10, 6), { organizationId, partSize: 10 });
    assert.equal((await fetch(`${floe.baseUrl}/files/${download.path.split('/').map(encodeURIComponent).join('/')}`)).status, 404);
    await expectError(
      sdk.products.create({ name: 'Bad', organizationId, prices: [{ type: 'one_time', amountType: 'fixed', priceAmount: 2000 }], medias: [download.id] }),
      HTTPValidationError,
    );

    await sdk.files.delete({ id: file.id });
    assert.equal((await fetch(publicUrl)).status, 404);
    const reloaded = await sdk.products.get({ id: product.id });
    assert.deepEqual(reloaded.medias, []);
  });

  test('organization avatars are public too', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const file = await uploadFile(sdk, bytesOf(2048, 7), { organizationId, service: 'organization_avatar', mimeType: 'image/webp', partSize: 2048 });
    assert.equal(file.service, 'organization_avatar');
    assert.ok('publicUrl' in file && (await fetch(file.publicUrl)).status === 200);
  });
});

describe('list, update, delete', () => {
  test('lists uploaded files newest first, filtered by ids; updates name and version; deletes', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const first = await uploadFile(sdk, bytesOf(10, 8), { organizationId, name: 'a.txt', partSize: 10 });
    const second = await uploadFile(sdk, bytesOf(20, 9), { organizationId, name: 'b.txt', partSize: 10 });
    await createFile(sdk, bytesOf(5), { organizationId, name: 'pending.txt', partSize: 5 });
    const listed = await sdk.files.list({ organizationId });
    assert.deepEqual(listed.result.items.map((file) => file.name), ['b.txt', 'a.txt']);
    assert.equal(listed.result.pagination.totalCount, 2);
    const byId = await sdk.files.list({ organizationId, ids: [first.id] });
    assert.deepEqual(byId.result.items.map((file) => file.id), [first.id]);

    const renamed = await sdk.files.update({ id: second.id, filePatch: { name: 'renamed.txt', version: '1.1' } });
    assert.equal(renamed.name, 'renamed.txt');
    assert.equal(renamed.version, '1.1');
    const unchanged = await sdk.files.update({ id: second.id, filePatch: { name: '', version: null } });
    assert.equal(unchanged.name, 'renamed.txt');

    // Deleting a file whose upload never completed discards its parts; its part URLs stop working.
    const pending = await createFile(sdk, bytesOf(5), { organizationId, name: 'abandoned.txt', partSize: 5 });
    await sdk.files.delete({ id: pending.id });
    const [pendingPart] = pending.upload.parts;
    assert.ok(pendingPart);
    assert.equal((await putPart(pendingPart.url, pendingPart.headers, bytesOf(5))).status, 404);

    await sdk.files.delete({ id: first.id });
    const afterDelete = await sdk.files.list({ organizationId });
    assert.deepEqual(afterDelete.result.items.map((file) => file.id), [second.id]);
    await expectError(sdk.files.delete({ id: first.id }), ResourceNotFound);
    await expectError(sdk.files.update({ id: first.id, filePatch: { name: 'x' } }), ResourceNotFound);
  });

  test('an organization token lists its own files without naming the organization', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const file = await uploadFile(sdk, bytesOf(10, 10), { organizationId, partSize: 10 });
    const orgToken = await floe.createOrganizationToken(organizationId, ['files:write']);
    const listed = await floe.sdk(orgToken).files.list({});
    assert.deepEqual(listed.result.items.map((item) => item.id), [file.id]);
    const created = await uploadFile(floe.sdk(orgToken), bytesOf(10, 11), { partSize: 10 });
    assert.equal(created.organizationId, organizationId);
    await expectError(createFile(floe.sdk(orgToken), bytesOf(10), { organizationId, partSize: 10 }), HTTPValidationError);
  });
});

describe('tenancy and scopes', () => {
  test("another organization's files are not found, not listable, and not creatable", async () => {
    const owner = await floe.createMerchant();
    const stranger = await floe.createMerchant();
    const upload = await createFile(owner.sdk, bytesOf(10), { organizationId: owner.organizationId, partSize: 10 });
    const completed = await sendParts(upload, bytesOf(10));
    await expectError(stranger.sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed }), ResourceNotFound);
    const file = await owner.sdk.files.uploaded({ id: upload.id, fileUploadCompleted: completed });
    await expectError(stranger.sdk.files.update({ id: file.id, filePatch: { name: 'mine' } }), ResourceNotFound);
    await expectError(stranger.sdk.files.delete({ id: file.id }), ResourceNotFound);
    const listError = await expectError(stranger.sdk.files.list({ organizationId: owner.organizationId }), SDKError);
    assert.equal(listError.statusCode, 403);
    // A user must name the organization whose files to list (Polar answers 403 otherwise).
    assert.equal((await expectError(owner.sdk.files.list({}), SDKError)).statusCode, 403);
    await expectError(createFile(stranger.sdk, bytesOf(10), { organizationId: owner.organizationId, partSize: 10 }), SDKError);
    const foreignProduct = stranger.sdk.products.create({ name: 'x', organizationId: stranger.organizationId, prices: [{ type: 'one_time', amountType: 'free' }], medias: [file.id] });
    await expectError(foreignProduct, HTTPValidationError);
  });

  test('every files endpoint needs files:write', async () => {
    const reader = await floe.createMerchant({ scopes: ['files:read', 'products:write'] });
    const error = await expectError(reader.sdk.files.list({ organizationId: reader.organizationId }), SDKError);
    assert.equal(error.statusCode, 403);
    await expectError(createFile(reader.sdk, bytesOf(10), { organizationId: reader.organizationId, partSize: 10 }), SDKError);
  });
});

describe('validation', () => {
  test('product media must be an image of at most 10 MB; avatars at most 1 MB', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const badType = await expectError(createFile(sdk, bytesOf(10), { organizationId, service: 'product_media', mimeType: 'application/pdf', partSize: 10 }), HTTPValidationError);
    assert.deepEqual(badType.detail?.map((issue) => issue.loc), [['body', 'mime_type']]);
    const part = { number: 1, chunkStart: 0, chunkEnd: 11 * MiB };
    const tooLarge = await expectError(
      sdk.files.create({ organizationId, service: 'product_media', name: 'huge.png', mimeType: 'image/png', size: 11 * MiB, upload: { parts: [part] } }),
      HTTPValidationError,
    );
    assert.deepEqual(tooLarge.detail?.map((issue) => issue.loc), [['body', 'size']]);
    const avatar = await expectError(
      sdk.files.create({ organizationId, service: 'organization_avatar', name: 'me.png', mimeType: 'image/png', size: 2 * MiB, upload: { parts: [{ ...part, chunkEnd: 2 * MiB }] } }),
      HTTPValidationError,
    );
    assert.deepEqual(avatar.detail?.map((issue) => issue.loc), [['body', 'size']]);
  });

  test('parts must be numbered uniquely and cover the file; checksums must be SHA-256 digests', async () => {
    const { sdk, organizationId } = await floe.createMerchant();
    const create = (parts: { number: number; chunkStart: number; chunkEnd: number; checksumSha256Base64?: string }[], size = 100) =>
      sdk.files.create({ organizationId, service: 'downloadable', name: 'x.bin', mimeType: 'application/octet-stream', size, upload: { parts } });
    const gap = await expectError(create([{ number: 1, chunkStart: 0, chunkEnd: 40 }, { number: 2, chunkStart: 50, chunkEnd: 100 }]), HTTPValidationError);
    assert.deepEqual(gap.detail?.[0]?.loc, ['body', 'upload', 'parts', 1, 'chunk_start']);
    const short = await expectError(create([{ number: 1, chunkStart: 0, chunkEnd: 40 }]), HTTPValidationError);
    assert.deepEqual(short.detail?.[0]?.loc, ['body', 'upload', 'parts']);
    const duplicate = await expectError(create([{ number: 1, chunkStart: 0, chunkEnd: 50 }, { number: 1, chunkStart: 50, chunkEnd: 100 }]), HTTPValidationError);
    assert.deepEqual(duplicate.detail?.[0]?.loc, ['body', 'upload', 'parts', 1, 'number']);
    const badChecksum = await expectError(create([{ number: 1, chunkStart: 0, chunkEnd: 100, checksumSha256Base64: 'abc' }]), HTTPValidationError);
    assert.deepEqual(badChecksum.detail?.[0]?.loc, ['body', 'upload', 'parts', 0, 'checksum_sha256_base64']);
    const dotted = await expectError(createFile(sdk, bytesOf(10), { organizationId, name: '../escape.bin', partSize: 10 }), HTTPValidationError);
    assert.deepEqual(dotted.detail?.[0]?.loc, ['body', 'name']);
    const none = await expectError(create([]), HTTPValidationError);
    assert.deepEqual(none.detail?.[0]?.loc, ['body', 'upload', 'parts']);
  });

  test('a user must name an organization they belong to', async () => {
    const { sdk } = await floe.createMerchant();
    const missing = await expectError(createFile(sdk, bytesOf(10), { partSize: 10 }), HTTPValidationError);
    assert.deepEqual(missing.detail?.[0]?.loc, ['body', 'organization_id']);
    const notMember = await expectError(createFile(sdk, bytesOf(10), { organizationId: randomUUID(), partSize: 10 }), HTTPValidationError);
    assert.deepEqual(notMember.detail?.[0]?.loc, ['body', 'organization_id']);
    await expectError(sdk.files.update({ id: randomUUID(), filePatch: { name: 'x' } }), ResourceNotFound);
  });

  test('the five operations are documented; the storage URLs are not', async () => {
    const document = (await (await fetch(`${floe.baseUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, { operationId?: string }>> };
    const operations = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((operation) => operation.operationId)).filter((id) => id?.startsWith('files:'));
    assert.deepEqual(operations.sort(), ['files:create', 'files:delete', 'files:list', 'files:update', 'files:uploaded']);
    assert.ok(!Object.keys(document.paths).some((path) => path.startsWith('/v1/files/uploads') || path.startsWith('/files/')));
  });

  test('storage settings are checked at start', () => {
    const dataDir = floe.config.dataDir;
    assert.deepEqual(readConfig({ FLOE_DATA_DIR: dataDir }).storage, { driver: 'local', directory: join(dataDir, 'files') });
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_STORAGE: 'ftp' }), ConfigError);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_STORAGE: 's3' }), /FLOE_S3_BUCKET/);
    assert.throws(() => readConfig({ FLOE_DATA_DIR: dataDir, FLOE_STORAGE: 's3', FLOE_S3_BUCKET: 'b', FLOE_S3_ACCESS_KEY_ID: 'id' }), /together/);
    const s3 = readConfig({ FLOE_DATA_DIR: dataDir, FLOE_STORAGE: 's3', FLOE_S3_BUCKET: 'files', FLOE_S3_REGION: 'eu-west-1' });
    assert.deepEqual(s3.storage, {
      driver: 's3', endpoint: undefined, region: 'eu-west-1', bucket: 'files', publicBucket: 'files',
      accessKeyId: undefined, secretAccessKey: undefined, forcePathStyle: false, publicBaseUrl: undefined,
    });
  });
});
